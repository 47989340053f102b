"""Account and role changes are audited, and only a superuser can hand out superuser powers."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import RequestFactory

from bot.web.middleware import acting_request
from bot.web.models import AuditEvent
from tests.console.conftest import PASSWORD, logged_in, make_user

NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("sue", password=PASSWORD)


@pytest.fixture
def superuser_client(superuser):
    return logged_in(superuser)


def change_url(user):
    return f"/console/admin/auth/user/{user.pk}/change/"


def change_form(user, **changes):
    """What the admin's change form posts for this user, with some fields changed."""
    fields = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [permission.pk for permission in user.user_permissions.all()],
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
    } | changes
    # A ticked box posts "on"; an unticked one posts nothing.
    return {
        name: "on" if value is True else value
        for name, value in fields.items()
        if value is not False
    }


def events(action, target=None):
    found = AuditEvent.objects.filter(action=action).order_by("id")
    return list(found if target is None else found.filter(target=target))


def role(name):
    return Group.objects.get(name=name)


def permission(dotted):
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_creating_a_user_in_the_admin_is_audited_with_the_actor(admin_client):
    response = admin_client.post(
        "/console/admin/auth/user/add/",
        {
            "username": "nina",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    (created,) = events("user.created", "nina")
    assert created.actor == "adam"
    assert created.detail == {"is_active": True, "is_staff": False, "is_superuser": False}


def test_the_staff_user_command_is_audited(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", PASSWORD)
    call_command("staff_user", username="otto", role="reviewer")
    (created,) = events("user.created", "otto")
    (roles,) = events("user.roles_changed", "otto")
    assert created.actor == roles.actor == "system"
    assert roles.detail == {"added": ["reviewer"], "removed": []}


def test_changing_roles_is_audited(admin_client, reviewer):
    response = admin_client.post(
        change_url(reviewer), change_form(reviewer, groups=[role("admin").pk])
    )
    assert response.status_code == 302
    assert list(reviewer.groups.values_list("name", flat=True)) == ["admin"]
    by_adam = [e.detail for e in events("user.roles_changed", "rita") if e.actor == "adam"]
    assert by_adam == [
        {"added": [], "removed": ["reviewer"]},
        {"added": ["admin"], "removed": []},
    ]


def test_deactivating_and_activating_are_audited(admin_client, reviewer):
    admin_client.post(change_url(reviewer), change_form(reviewer, is_active=False))
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    admin_client.post(change_url(reviewer), change_form(reviewer, is_active=True))
    reviewer.refresh_from_db()
    assert reviewer.is_active
    changes = [(e.actor, e.detail["changed"]) for e in events("user.changed", "rita")]
    assert changes == [
        ("adam", {"is_active": [True, False]}),
        ("adam", {"is_active": [False, True]}),
    ]


def test_a_superuser_can_make_a_superuser_and_it_is_audited(superuser_client, reviewer):
    response = superuser_client.post(change_url(reviewer), change_form(reviewer, is_superuser=True))
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.is_superuser
    (changed,) = events("user.changed", "rita")
    assert (changed.actor, changed.detail["changed"]) == ("sue", {"is_superuser": [False, True]})


def test_a_non_superuser_admin_cannot_make_a_superuser(admin_client, admin_user, reviewer):
    admin_client.post(change_url(reviewer), change_form(reviewer, is_superuser=True))
    admin_client.post(change_url(admin_user), change_form(admin_user, is_superuser=True))
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not events("user.changed")
    page = admin_client.get(change_url(reviewer))
    assert page.status_code == 200 and 'name="is_superuser"' not in page.content.decode()


def test_a_non_superuser_admin_cannot_edit_a_superuser(admin_client, superuser):
    for form in (
        change_form(superuser, is_active=False),
        change_form(superuser, username="sue2"),
    ):
        assert admin_client.post(change_url(superuser), form).status_code == 403
    password_url = f"/console/admin/auth/user/{superuser.pk}/password/"
    response = admin_client.post(
        password_url,
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert (superuser.username, superuser.is_active) == ("sue", True)
    assert superuser.check_password(PASSWORD)
    assert not events("user.changed") and not events("user.password_changed")


def test_a_non_superuser_admin_cannot_grant_permissions_they_lack(admin_client, reviewer):
    powerful = Group.objects.create(name="everything")
    powerful.permissions.add(permission("auth.delete_user"))
    form = change_form(
        reviewer,
        groups=[role("reviewer").pk, powerful.pk],
        user_permissions=[permission("auth.delete_user").pk],
    )
    response = admin_client.post(change_url(reviewer), form)
    assert response.status_code == 200  # the form again, with the error
    assert not reviewer.has_perm("auth.delete_user")
    assert list(reviewer.groups.values_list("name", flat=True)) == ["reviewer"]
    # What the admin holds, it can grant.
    held = change_form(reviewer, user_permissions=[permission("console.export_unredacted").pk])
    assert admin_client.post(change_url(reviewer), held).status_code == 302
    (granted,) = events("user.permissions_changed", "rita")
    assert (granted.actor, granted.detail) == (
        "adam",
        {"added": ["console.export_unredacted"], "removed": []},
    )


def test_the_refusals_hold_outside_the_admin_too(admin_user, reviewer, superuser):
    request = RequestFactory().post("/console/somewhere")
    request.user = admin_user
    with acting_request(request):
        reviewer.is_superuser = True
        with pytest.raises(PermissionDenied):
            reviewer.save()
        superuser.is_active = False
        with pytest.raises(PermissionDenied):
            superuser.save()
        with pytest.raises(PermissionDenied):
            reviewer.user_permissions.add(permission("auth.delete_user"))
        with pytest.raises(PermissionDenied):
            superuser.groups.add(role("reviewer"))
    reviewer.refresh_from_db()
    superuser.refresh_from_db()
    assert not reviewer.is_superuser and superuser.is_active
    assert not reviewer.has_perm("auth.delete_user")


def test_a_password_change_by_an_admin_is_audited_without_the_password(admin_client, reviewer):
    response = admin_client.post(
        f"/console/admin/auth/user/{reviewer.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.check_password(NEW_PASSWORD)
    (changed,) = events("user.password_changed", "rita")
    assert changed.actor == "adam"
    everything = json.dumps([[e.actor, e.target, e.detail] for e in AuditEvent.objects.all()])
    assert NEW_PASSWORD not in everything and reviewer.password not in everything
    assert "argon2" not in everything


def test_deleting_a_user_and_changing_a_role_are_audited(superuser_client, reviewer):
    role("reviewer").permissions.add(permission("auth.view_user"))
    (role_change,) = events("role.permissions_changed", "reviewer")
    assert role_change.detail == {"added": ["auth.view_user"], "removed": []}
    response = superuser_client.post(
        f"/console/admin/auth/user/{reviewer.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    (deleted,) = events("user.deleted", "rita")
    assert deleted.actor == "sue"


def test_migrating_again_does_not_fill_the_audit_log(reviewer):
    before = AuditEvent.objects.count()
    call_command("migrate", verbosity=0)
    assert AuditEvent.objects.count() == before


def test_a_role_changed_by_hand_and_restored_by_migrate_is_audited(reviewer):
    role("reviewer").permissions.add(permission("auth.view_user"))
    call_command("migrate", verbosity=0)
    assert not role("reviewer").permissions.filter(codename="view_user").exists()
    restored = events("role.permissions_changed", "reviewer")[-1]
    assert (restored.actor, restored.detail) == (
        "migrate",
        {"added": [], "removed": ["auth.view_user"]},
    )


def test_an_account_with_powers_the_admin_lacks_is_not_its_to_change(admin_client):
    powerful = make_user("pat", "reviewer")
    powerful.user_permissions.add(permission("auth.delete_user"))
    response = admin_client.post(change_url(powerful), change_form(powerful, is_active=False))
    assert response.status_code == 403
    powerful.refresh_from_db()
    assert powerful.is_active


def test_membership_from_either_side_and_role_changes_are_audited(reviewer):
    helpers = Group.objects.create(name="helpers")
    helpers.name = "volunteers"
    helpers.save()
    helpers.user_set.add(reviewer)
    reviewer.groups.clear()
    helpers.delete()
    assert [
        (e.action, e.target) for e in AuditEvent.objects.filter(action__startswith="role.")
    ] == [
        ("role.deleted", "volunteers"),
        ("role.renamed", "volunteers"),
        ("role.created", "helpers"),
    ]
    assert [e.detail for e in events("user.roles_changed", "rita")] == [
        {"added": ["reviewer"], "removed": []},
        {"added": ["volunteers"], "removed": []},
        {"added": [], "removed": ["reviewer", "volunteers"]},
    ]
