"""Create a staff account with a role (admin or reviewer); asks for the password."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bot.web.console.audit import record
from bot.web.console.roles import ADMIN, ROLES


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--username")
        parser.add_argument("--role", choices=sorted(ROLES), default=ADMIN)

    def handle(self, *args, username, role, **options):
        username = username or input("Username: ").strip()
        users = get_user_model()
        if not username or users.objects.filter(username=username).exists():
            raise CommandError(f"Choose a new username ({username!r} is empty or taken).")
        # STAFF_PASSWORD lets scripts create accounts; people are asked, twice.
        password = os.environ.get("STAFF_PASSWORD") or self._ask_password()
        user = users(username=username, is_staff=role == ADMIN)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        record("staff_user command", "staff_user.created", username, role=role)
        self.stdout.write(f"Created {role} {username!r}. Log in at /console/.")

    def _ask_password(self) -> str:
        password = getpass.getpass("Password (12 characters or more): ")
        if password != getpass.getpass("Password again: "):
            raise CommandError("The passwords differ.")
        return password
