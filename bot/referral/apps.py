from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "bot.referral"
    label = "referral"
    verbose_name = "Referrals"
