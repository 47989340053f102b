"""Accounts in the admin: a non-superuser is offered only what it may grant and may change.

The same limits hold in bot.web.console.accounts for every other path; here they shape the
forms so that an admin is shown what it may do instead of meeting a refusal.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q

from bot.web.console.accounts import (
    grantable_groups,
    grantable_permissions,
    holds_all,
    powers_of,
)

User = get_user_model()


class StaffUserAdmin(UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ("is_superuser",)
        return fields

    def _may_change(self, request, obj) -> bool:
        """Only accounts whose powers the admin holds itself (never a superuser's, but for one)."""
        return obj is None or holds_all(request.user, powers_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or obj is None:
            return form
        actor = request.user

        class GrantsLimitedForm(form):
            """Offers only roles and permissions the admin holds, plus what the account has."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "groups" in self.fields:
                    self.fields["groups"].queryset = (
                        self.fields["groups"]
                        .queryset.filter(Q(pk__in=grantable_groups(actor)) | Q(user=self.instance))
                        .distinct()
                    )
                if "user_permissions" in self.fields:
                    field = self.fields["user_permissions"]
                    field.queryset = field.queryset.filter(
                        Q(pk__in=grantable_permissions(actor)) | Q(user=self.instance)
                    ).distinct()

        return GrantsLimitedForm


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
