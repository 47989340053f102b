from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "bot.web.console"
    label = "console"
    verbose_name = "Staff console"

    def ready(self):
        from django.db.models.signals import post_migrate

        from bot.web.console import accounts, audit  # noqa: F401 - audit connects the login signals

        accounts.connect()  # account and role changes, audited and guarded
        # After every app's permissions exist (auth creates them on post_migrate too).
        post_migrate.connect(accounts.sync_roles, sender=self)
