"""Referrals' personal details: Fernet-encrypted at rest, plain through the model, rotatable."""

import io
import os
import stat
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bot.encryption import contact_cipher
from bot.referral import outbox
from bot.referral.contact import Contact
from bot.referral.fields import UnreadableDetailsError
from bot.referral.models import Referral
from bot.web.models import AuditEvent

pytestmark = pytest.mark.referral
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PERSONAL = ("first_name", "contact", "concern", "location", "preferred_times")


def details() -> outbox.ReferralDetails:
    return outbox.ReferralDetails(
        concern="panic attacks at work",
        session_format="in_person",
        location="Fremantle",
        preferred_times="Tuesday mornings",
        first_name="Marguerite",
        contact=Contact("email", "marguerite.q@example.org"),
        clinician_id="",
        consent_text="I agree to share these details with the practice.",
    )


def raw_columns() -> list[tuple]:
    """The personal columns exactly as the database holds them, bypassing the model."""
    table = connection.ops.quote_name(Referral._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in PERSONAL)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - names from the model
        return cursor.fetchall()


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.mark.django_db
def test_the_database_holds_no_plain_personal_details():
    outbox.submit(details(), "conversation-1")
    [row] = raw_columns()
    stored = " ".join(row)
    for secret in ("Marguerite", "marguerite.q", "example.org", "panic", "Fremantle", "Tuesday"):
        assert secret not in stored
    assert all(value.startswith("gAAAA") for value in row)  # Fernet tokens


@pytest.mark.django_db
def test_the_model_gives_back_the_plain_values():
    outbox.submit(details(), "conversation-1")
    referral = Referral.objects.get()
    assert (referral.first_name, referral.contact) == ("Marguerite", "marguerite.q@example.org")
    assert referral.concern == "panic attacks at work" and referral.location == "Fremantle"
    assert referral.preferred_times == "Tuesday mornings"
    assert Referral.objects.values_list("contact", flat=True).get() == "marguerite.q@example.org"


@pytest.mark.django_db
def test_filtering_on_an_encrypted_field_is_refused_not_silently_empty():
    outbox.submit(details(), "conversation-1")
    with pytest.raises(Exception, match="Unsupported lookup"):
        list(Referral.objects.filter(contact="marguerite.q@example.org"))


@pytest.fixture
def use_keys(monkeypatch):
    """Set CONTACT_ENCRYPTION_KEYS as a restarted process would see it."""

    def use(*keys):
        monkeypatch.setenv("CONTACT_ENCRYPTION_KEYS", ",".join(keys))
        contact_cipher.cache_clear()

    yield use
    monkeypatch.undo()
    contact_cipher.cache_clear()


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_first_key(use_keys):
    old, new = new_key(), new_key()
    use_keys(old)
    outbox.submit(details(), "conversation-1")

    use_keys(new)  # the old key removed too soon: a clear error, nothing lost
    with pytest.raises(UnreadableDetailsError, match="rotate_contact_key"):
        Referral.objects.get()

    use_keys(new, old)
    call_command("rotate_contact_key", stdout=io.StringIO())
    use_keys(new)
    assert Referral.objects.get().contact == "marguerite.q@example.org"
    for token in raw_columns()[0]:
        Fernet(new).decrypt(token.encode())
        with pytest.raises(InvalidToken):
            Fernet(old).decrypt(token.encode())
    assert AuditEvent.objects.get(action="referral.keys_rotated").detail["referrals"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_referrals_made_before_it_and_undoes_cleanly():
    before, after = ("referral", "0002_follow_up"), ("referral", "0003_encrypt_personal_details")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        plain = executor.loader.project_state([before]).apps.get_model("referral", "Referral")
        plain.objects.create(
            reference="LT-PLAIN", session_format="online", contact_kind="email",
            contact="ana@example.org", first_name="Ana", concern="sleep",
            consent_text="yes", consented_at=timezone.now(),
        )  # fmt: skip
        migrated = MigrationExecutor(connection)
        migrated.migrate([after])
        assert "ana@example.org" not in " ".join(raw_columns()[0])
        # The model as of that migration: later ones add columns this table lacks yet.
        encrypted = migrated.loader.project_state([after]).apps.get_model("referral", "Referral")
        assert (encrypted.objects.get().contact, encrypted.objects.get().concern) == (
            "ana@example.org",
            "sleep",
        )
        MigrationExecutor(connection).migrate([before])
        assert raw_columns()[0][:3] == ("Ana", "ana@example.org", "sleep")
    finally:
        MigrationExecutor(connection).migrate(latest)


def start_django(var_dir, **environment) -> subprocess.CompletedProcess:
    """A fresh process loading the project's settings, as the web process and workers do."""
    environment = {**os.environ, "LANTERN_VAR_DIR": str(var_dir), **environment}
    environment["DJANGO_SETTINGS_MODULE"] = "bot.web.settings"
    return subprocess.run(
        [sys.executable, "-m", "django", "check"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_embedded_profile_keeps_one_private_key_in_var(tmp_path):
    environment = {key: value for key, value in os.environ.items()}
    environment.pop("CONTACT_ENCRYPTION_KEYS", None)
    started = subprocess.run(
        [sys.executable, "-c", "import bot.web.settings"],
        cwd=PROJECT_DIR,
        env={**environment, "LANTERN_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    key_file = tmp_path / "contact_encryption_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_text().strip())


@pytest.mark.parametrize(
    "keys", ["not-a-key", f"{Fernet.generate_key().decode()},abc"], ids=["bad", "second-bad"]
)
def test_a_bad_key_stops_the_process_at_start_with_the_reason(tmp_path, keys):
    started = start_django(tmp_path, CONTACT_ENCRYPTION_KEYS=keys)
    assert started.returncode != 0
    assert "CONTACT_ENCRYPTION_KEYS must be Fernet keys" in started.stderr.strip().splitlines()[-1]


def test_good_keys_start(tmp_path):
    keys = f"{new_key()},{new_key()}"
    started = start_django(tmp_path, CONTACT_ENCRYPTION_KEYS=keys)
    assert started.returncode == 0, started.stderr
