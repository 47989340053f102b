"""Console logins behind nginx: lock-out and audit use the client's address, never a forged one."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from bot.client_address import trusted_proxies
from bot.production import Profile, nginx_conf, procfile
from bot.web.console.client_address import client_ip_address
from bot.web.models import AuditEvent
from tests.console.conftest import PASSWORD

NGINX = "127.0.0.1"
CLIENT_A = "203.0.113.10"
CLIENT_B = "198.51.100.20"
STRANGER = "192.0.2.30"  # talks to the web process directly, not through nginx


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = trusted_proxies(NGINX)


def fail_until_locked(client, settings, **meta):
    """Post wrong passwords for rita until the limit; returns the last status."""
    statuses = [
        client.post("/console/login/", {"username": "rita", "password": "wrong"}, **meta)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    return statuses[-1].status_code


def log_in(**meta):
    return Client().post("/console/login/", {"username": "rita", "password": PASSWORD}, **meta)


def test_failures_from_one_proxied_client_do_not_lock_out_another(reviewer, behind_nginx, settings):
    via_nginx = {"REMOTE_ADDR": NGINX}
    assert fail_until_locked(Client(), settings, HTTP_X_FORWARDED_FOR=CLIENT_A, **via_nginx) == 429
    assert log_in(HTTP_X_FORWARDED_FOR=CLIENT_A, **via_nginx).status_code == 429
    from_b = log_in(HTTP_X_FORWARDED_FOR=CLIENT_B, **via_nginx)
    assert from_b.status_code == 302 and from_b["Location"] == "/console/queue/"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_a_forged_header_from_an_untrusted_address_is_ignored(reviewer, behind_nginx, settings):
    direct = {"REMOTE_ADDR": STRANGER}
    assert fail_until_locked(Client(), settings, HTTP_X_FORWARDED_FOR=CLIENT_A, **direct) == 429
    # A new forged address does not get the stranger out of the lock-out.
    assert log_in(HTTP_X_FORWARDED_FOR=CLIENT_B, **direct).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_without_trusted_proxies_the_header_is_ignored_even_from_loopback(reviewer, settings):
    assert settings.TRUSTED_PROXIES == ()  # the embedded profile's default
    assert fail_until_locked(Client(), settings, HTTP_X_FORWARDED_FOR=CLIENT_A) == 429
    assert log_in(HTTP_X_FORWARDED_FOR=CLIENT_B).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_failed_logins_are_audited_with_the_name_tried_and_the_address(
    reviewer, behind_nginx, settings
):
    Client().post(
        "/console/login/",
        {"username": "nobody", "password": "hunter2-secret"},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=CLIENT_A,
    )
    Client().post(
        "/console/login/",
        {"username": "rita", "password": "wrong"},
        REMOTE_ADDR=STRANGER,
        HTTP_X_FORWARDED_FOR=CLIENT_B,
    )
    failures = AuditEvent.objects.filter(action="login_failed").order_by("id")
    assert [(e.actor, e.detail["address"]) for e in failures] == [
        ("nobody", CLIENT_A),
        ("rita", STRANGER),
    ]
    assert not any("hunter2" in str(e.detail) + e.actor + e.target for e in failures)


class Request:
    def __init__(self, remote_addr, forwarded_for=None):
        self.META = {"REMOTE_ADDR": remote_addr}
        if forwarded_for is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded_for


@pytest.mark.parametrize(
    "trusted, remote_addr, forwarded_for, expected",
    [
        ([], NGINX, CLIENT_A, NGINX),
        (["127.0.0.0/8"], "127.0.0.2", CLIENT_A, CLIENT_A),
        # $proxy_add_x_forwarded_for appends: the client's own prefix is not believed.
        ([NGINX], NGINX, f"{CLIENT_B}, {CLIENT_A}", CLIENT_A),
        # Two trusted hops: the first address neither of them is.
        ([NGINX, "10.0.0.0/8"], NGINX, f"{CLIENT_B}, {CLIENT_A}, 10.1.2.3", CLIENT_A),
        ([NGINX], NGINX, None, NGINX),
        ([NGINX], NGINX, "", NGINX),
        ([NGINX], NGINX, "not-an-address", NGINX),
        ([NGINX], NGINX, "2001:db8::5", "2001:db8::5"),
        ([NGINX], "::ffff:127.0.0.1", CLIENT_A, CLIENT_A),
        ([NGINX], STRANGER, CLIENT_A, STRANGER),
    ],
)
def test_client_address(settings, trusted, remote_addr, forwarded_for, expected):
    settings.TRUSTED_PROXIES = trusted_proxies(",".join(trusted))
    assert client_ip_address(Request(remote_addr, forwarded_for)) == expected


def test_the_production_profile_forwards_the_address_and_trusts_only_nginx(tmp_path):
    env = {
        "TRACKER_DB_URL": "postgresql://postgres@127.0.0.1/t",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1/w",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "LANTERN_VAR_DIR": str(tmp_path),
    }
    profile = Profile.from_environment(env)
    web_location = nginx_conf(profile).split("location / {")[1].split("}")[0]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in web_location
    web_line = next(line for line in procfile(profile).splitlines() if line.startswith("web:"))
    exported = web_line.split("export ", 1)[1].split(";", 1)[0].split()
    assert "TRUSTED_PROXIES=127.0.0.1" in exported
