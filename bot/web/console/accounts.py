"""Staff accounts and roles: every change audited, and nobody grants powers they do not hold.

Model signals rather than the admin's hooks, so that the admin site, `manage.py staff_user`
and any other code path are covered alike. The actor is the logged-in user of the request
being served (bot.web.middleware.current_request), else "system". A non-superuser may not
grant superuser, grant a permission or role they do not hold, or change an account with
powers they do not hold (a superuser's, above all): the admin hides those choices
(bot.web.console.admin) and these signals refuse them whatever the path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from bot.web.console.audit import record
from bot.web.console.backends import forget_permissions
from bot.web.console.roles import ROLES, ensure_roles
from bot.web.middleware import current_request

User = get_user_model()
# Old and new values are recorded for these; the password only as "changed", never its hash.
TRACKED_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
GUARDED_FIELDS = (*TRACKED_FIELDS, "is_superuser")
SYSTEM = "system"

_paused: ContextVar[bool] = ContextVar("account_audit_paused", default=False)


@contextmanager
def audit_paused() -> Iterator[None]:
    """For changes audited another way (the role sync after migrate)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def actor_name() -> str:
    request = current_request.get()
    if request is None:
        return SYSTEM
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return user.get_username()


def _restricted_actor():
    """The request's user when it is logged in but not a superuser, else None (no limits)."""
    request = current_request.get()
    user = getattr(request, "user", None)
    if _paused.get() or user is None or not user.is_authenticated or user.is_superuser:
        return None
    return user


def permission_label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _labels(permissions) -> set[str]:
    return {permission_label(p) for p in permissions.select_related("content_type")}


def powers_of(user) -> set[str] | None:
    """The permissions an account carries whether or not it is active; None for a superuser."""
    if user.is_superuser:
        return None
    return _labels(Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct())


def holds_all(actor, permissions: set[str] | None) -> bool:
    """Whether the actor holds every one of these permissions (None: a superuser's, all)."""
    if actor.is_superuser:
        return True
    return permissions is not None and permissions <= actor.get_all_permissions()


def grantable_permissions(actor):
    return Permission.objects.filter(
        pk__in=[
            p.pk
            for p in Permission.objects.select_related("content_type")
            if holds_all(actor, {permission_label(p)})
        ]
    )


def grantable_groups(actor):
    return Group.objects.filter(
        pk__in=[g.pk for g in Group.objects.all() if holds_all(actor, _labels(g.permissions))]
    )


def _refuse_if_outranked(actor, user) -> None:
    if not holds_all(actor, powers_of(user)):
        raise PermissionDenied(
            f"Only a superuser can change {user.get_username()!r}: "
            "the account has powers you do not hold."
        )


# Users: created, changed, password changed, deleted.


def _before_user_save(sender, instance, update_fields=None, using=None, **kwargs):
    instance._account_changes = ({}, False)
    if _paused.get():
        return
    if update_fields is not None and not set(update_fields) & {*GUARDED_FIELDS, "password"}:
        return  # e.g. last_login at every login: nothing to audit, no query
    stored = (
        sender._default_manager.using(using).filter(pk=instance.pk).first() if instance.pk else None
    )
    actor = _restricted_actor()
    if stored is None:  # a new account
        if actor is not None and instance.is_superuser:
            raise PermissionDenied("Only a superuser can grant superuser.")
        return
    changed = {
        field: [getattr(stored, field), getattr(instance, field)]
        for field in GUARDED_FIELDS
        if getattr(stored, field) != getattr(instance, field)
    }
    # Django re-hashing the same password at login (check_password's setter) is no change.
    rehash = update_fields is not None and set(update_fields) == {"password"}
    password_changed = stored.password != instance.password and not (
        rehash and instance._password is None
    )
    if actor is not None and (changed or password_changed):
        _refuse_if_outranked(actor, stored)
        if "is_superuser" in changed:
            raise PermissionDenied("Only a superuser can grant superuser.")
    instance._account_changes = (changed, password_changed)


def _after_user_save(sender, instance, created, **kwargs):
    if _paused.get():
        return
    username = instance.get_username()
    if created:
        flags = {f: getattr(instance, f) for f in ("is_active", "is_staff", "is_superuser")}
        record(actor_name(), "user.created", username, **flags)
        return
    changed, password_changed = instance.__dict__.pop("_account_changes", ({}, False))
    if changed:
        record(actor_name(), "user.changed", username, changed=changed)
    if password_changed:
        record(actor_name(), "user.password_changed", username)


def _before_user_delete(sender, instance, **kwargs):
    if (actor := _restricted_actor()) is not None:
        _refuse_if_outranked(actor, instance)


def _after_user_delete(sender, instance, **kwargs):
    if not _paused.get():
        record(
            actor_name(),
            "user.deleted",
            instance.get_username(),
            is_staff=instance.is_staff,
            is_superuser=instance.is_superuser,
        )


# Roles (groups): created, renamed, deleted.


def _before_group_save(sender, instance, **kwargs):
    stored = sender.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._stored_name = stored.name if stored else None


def _after_group_save(sender, instance, created, **kwargs):
    if _paused.get():
        return
    if created:
        record(actor_name(), "role.created", instance.name)
    elif instance._stored_name != instance.name:
        record(
            actor_name(),
            "role.renamed",
            instance.name,
            changed=[instance._stored_name, instance.name],
        )


def _after_group_delete(sender, instance, **kwargs):
    if not _paused.get():
        record(actor_name(), "role.deleted", instance.name)


# Memberships and permissions: User.groups, User.user_permissions, Group.permissions.


@dataclass(frozen=True)
class Relation:
    through: type
    owner_field: str  # the side whose change is recorded: a user, or a role
    item_field: str  # what it gains or loses: a role, or a permission
    action: str

    def owner_model(self):
        return self.through._meta.get_field(self.owner_field).related_model

    def item_model(self):
        return self.through._meta.get_field(self.item_field).related_model

    def pairs(self, instance, reverse: bool, pk_set) -> list[tuple[int, int]]:
        """(owner, item) primary keys named by one m2m_changed call."""
        if reverse:
            return [(owner, instance.pk) for owner in pk_set]
        return [(instance.pk, item) for item in pk_set]

    def stored_pairs(self, instance, reverse: bool, pk_set) -> list[tuple[int, int]]:
        """The pairs that exist now among those named (all of the instance's, for clear)."""
        rows = self.through.objects.filter(
            **{f"{self.item_field if reverse else self.owner_field}_id": instance.pk}
        )
        if pk_set is not None:
            rows = rows.filter(
                **{f"{self.owner_field if reverse else self.item_field}_id__in": pk_set}
            )
        return list(rows.values_list(f"{self.owner_field}_id", f"{self.item_field}_id"))

    def label(self, obj) -> str:
        if isinstance(obj, Permission):
            return permission_label(obj)
        return obj.get_username() if isinstance(obj, User) else obj.name


RELATIONS = {
    relation.through: relation
    for relation in (
        Relation(User.groups.through, "user", "group", "user.roles_changed"),
        Relation(User.user_permissions.through, "user", "permission", "user.permissions_changed"),
        Relation(Group.permissions.through, "group", "permission", "role.permissions_changed"),
    )
}


def _refuse_outranking_owners(actor, relation: Relation, pairs) -> None:
    """Accounts with powers the actor lacks keep their roles and permissions as they are."""
    if relation.owner_model() is User:
        for user in User.objects.filter(pk__in={owner for owner, _ in pairs}):
            _refuse_if_outranked(actor, user)


def _refuse_unheld_items(actor, relation: Relation, pairs) -> None:
    items = relation.item_model().objects.filter(pk__in={item for _, item in pairs})
    for item in items:
        granted = (
            {permission_label(item)} if isinstance(item, Permission) else _labels(item.permissions)
        )
        if not holds_all(actor, granted):
            raise PermissionDenied(
                f"You cannot grant {relation.label(item)!r}: it carries powers you do not hold."
            )


def _record_pairs(relation: Relation, pairs, key: str) -> None:
    owners = relation.owner_model().objects.in_bulk({owner for owner, _ in pairs})
    item_model = relation.item_model()
    items = item_model.objects.in_bulk({item for _, item in pairs})
    if item_model is Permission:
        items = Permission.objects.select_related("content_type").in_bulk(list(items))
    by_owner = defaultdict(list)
    for owner, item in pairs:
        if owner in owners and item in items:
            by_owner[owner].append(relation.label(items[item]))
    for owner, labels in sorted(by_owner.items()):
        detail = {"added": [], "removed": []} | {key: sorted(labels)}
        record(actor_name(), relation.action, relation.label(owners[owner]), **detail)


def _membership_changed(sender, instance, action, reverse, pk_set, **kwargs):
    relation = RELATIONS.get(sender)
    if relation is None or _paused.get():
        return
    actor = _restricted_actor()
    stash = f"_account_{action.split('_')[1]}_{sender.__name__}"
    if action == "pre_add" and actor is not None:
        pairs = relation.pairs(instance, reverse, pk_set)
        _refuse_outranking_owners(actor, relation, pairs)
        _refuse_unheld_items(actor, relation, pairs)
    elif action in ("pre_remove", "pre_clear"):
        pairs = relation.stored_pairs(instance, reverse, pk_set)
        if actor is not None:
            _refuse_outranking_owners(actor, relation, pairs)
        instance.__dict__[stash] = pairs
    elif action == "post_add":
        _record_pairs(relation, relation.pairs(instance, reverse, pk_set), "added")
    elif action in ("post_remove", "post_clear"):
        _record_pairs(relation, instance.__dict__.pop(stash, []), "removed")


def sync_roles(**kwargs) -> None:
    """ensure_roles after migrate: a role created is not news, a role's powers changed are."""
    before = {
        group.name: _labels(group.permissions) for group in Group.objects.filter(name__in=ROLES)
    }
    with audit_paused():
        ensure_roles(**kwargs)
    for group in Group.objects.filter(name__in=before):
        now = _labels(group.permissions)
        if now != before[group.name]:
            record(
                "migrate",
                "role.permissions_changed",
                group.name,
                added=sorted(now - before[group.name]),
                removed=sorted(before[group.name] - now),
            )


def connect() -> None:
    uid = "console.accounts"
    pre_save.connect(_before_user_save, sender=User, dispatch_uid=f"{uid}.user.pre_save")
    post_save.connect(_after_user_save, sender=User, dispatch_uid=f"{uid}.user.post_save")
    pre_delete.connect(_before_user_delete, sender=User, dispatch_uid=f"{uid}.user.pre_delete")
    post_delete.connect(_after_user_delete, sender=User, dispatch_uid=f"{uid}.user.post_delete")
    pre_save.connect(_before_group_save, sender=Group, dispatch_uid=f"{uid}.group.pre_save")
    post_save.connect(_after_group_save, sender=Group, dispatch_uid=f"{uid}.group.post_save")
    post_delete.connect(_after_group_delete, sender=Group, dispatch_uid=f"{uid}.group.post_delete")
    for through in RELATIONS:
        m2m_changed.connect(
            _membership_changed, sender=through, dispatch_uid=f"{uid}.{through.__name__}"
        )
    # Any change to who holds what: the permissions this process remembers are stale.
    for sender in (User, Group):
        post_save.connect(_forget, sender=sender, dispatch_uid=f"{uid}.{sender.__name__}.forget")
        post_delete.connect(_forget, sender=sender, dispatch_uid=f"{uid}.{sender.__name__}.gone")
    for through in RELATIONS:
        m2m_changed.connect(_forget, sender=through, dispatch_uid=f"{uid}.{through.__name__}.f")


def _forget(**kwargs) -> None:
    forget_permissions()
