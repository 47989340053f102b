from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "bot.live"
    label = "live"
    verbose_name = "Live chat"
