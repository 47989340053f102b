"""Delete conversations older than RETENTION_DAYS (except those on review hold); run daily."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from bot.web.console.audit import record
from bot.web.console.retention import purge_expired


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.RETENTION_DAYS)

    def handle(self, *args, days, **options):
        result = purge_expired(timezone.now(), days)
        record("retention", "retention.purged", "", **result)
        self.stdout.write(
            f"purged {result['conversations']} conversations ({result['events']} events) "
            f"older than {days} days"
        )
