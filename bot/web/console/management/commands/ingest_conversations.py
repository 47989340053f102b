"""Read new events from Rasa's tracker store into the console's tables (pages do this too)."""

from django.core.management.base import BaseCommand

from bot.web.console.ingest import ingest


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        self.stdout.write(f"read {ingest()} events")
