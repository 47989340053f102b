from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "bot.alerts"
    label = "alerts"
    verbose_name = "Staff alerts"
