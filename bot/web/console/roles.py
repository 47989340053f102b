"""The staff roles, as Django groups with permissions; made after every migrate.

A person can hold several: a reviewer who also answers live chats is in both groups."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

REVIEWER = "reviewer"
RESPONDER = "responder"
ADMIN = "admin"
LIVE_CHAT_PERMISSION = "live.respond"
# app_label.codename
REVIEWER_PERMISSIONS = (
    "console.view_conversation",
    "console.change_conversation",
    "console.view_safetylabel",
    "console.add_safetylabel",
    "referral.view_referral",
    "referral.change_referral",
)
# Joins visitors' chats when they ask for a person; sees the conversations it joins.
RESPONDER_PERMISSIONS = (LIVE_CHAT_PERMISSION, "console.view_conversation")
ADMIN_PERMISSIONS = REVIEWER_PERMISSIONS + (
    LIVE_CHAT_PERMISSION,
    "console.export_unredacted",
    "referral.view_contact_details",
    "web.view_auditevent",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
)
ROLES = {REVIEWER: REVIEWER_PERMISSIONS, RESPONDER: RESPONDER_PERMISSIONS, ADMIN: ADMIN_PERMISSIONS}


def ensure_roles(**kwargs) -> None:
    for name, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (p.split(".") for p in wanted)
        ]
        group.permissions.set(permissions)
