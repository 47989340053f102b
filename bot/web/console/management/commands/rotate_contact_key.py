"""Re-encrypt every referral's personal details, and first-session notes, with the first key
of CONTACT_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old one after it), restart every process,
run this, then remove the old key.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bot.referral.fields import UnreadableDetailsError
from bot.referral.models import Referral, ReferralNote
from bot.web.console.audit import record


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        rotated = notes = 0
        try:
            with transaction.atomic():  # all or nothing: a row no key opens changes nothing
                for referral in Referral.objects.order_by("pk").iterator(chunk_size=500):
                    referral.save(update_fields=Referral.PERSONAL_FIELDS)
                    rotated += 1
                for note in ReferralNote.objects.order_by("pk").iterator(chunk_size=500):
                    note.save(update_fields=["text"])
                    notes += 1
        except UnreadableDetailsError as error:
            raise CommandError(f"Nothing was re-encrypted. {error}") from error
        record(
            "rotate_contact_key command",
            "referral.keys_rotated",
            "",
            referrals=rotated,
            notes=notes,
        )
        self.stdout.write(
            f"re-encrypted {rotated} referrals and {notes} notes with the first key; "
            "the other keys can now be removed from CONTACT_ENCRYPTION_KEYS"
        )
