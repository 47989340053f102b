"""Delete conversations older than RETENTION_DAYS (except those on review hold), and delivered
or closed referrals older than REFERRAL_RETENTION_DAYS; run daily."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from bot.web.console.audit import record
from bot.web.console.retention import purge_expired


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.RETENTION_DAYS)
        parser.add_argument("--referral-days", type=int, default=settings.REFERRAL_RETENTION_DAYS)

    def handle(self, *args, days, referral_days, **options):
        result = purge_expired(timezone.now(), days, referral_days)
        record("retention", "retention.purged", "", **result)
        self.stdout.write(
            f"purged {result['conversations']} conversations ({result['events']} events) "
            f"older than {days} days, and {result['referrals']} delivered or closed referrals "
            f"older than {referral_days} days"
        )
        if waiting := result["referrals_awaiting_staff"]:
            self.stdout.write(
                f"{waiting} older referrals are still pending or failed: they are kept until "
                "staff deliver or close them in the console"
            )
