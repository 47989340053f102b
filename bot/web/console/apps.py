from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "bot.web.console"
    label = "console"
    verbose_name = "Staff console"

    def ready(self):
        from django.db.models.signals import post_migrate

        from bot.web.console import audit  # noqa: F401 - connects the login signals
        from bot.web.console.roles import ensure_roles

        # After every app's permissions exist (auth creates them on post_migrate too).
        post_migrate.connect(ensure_roles, sender=self)
