"""Retention deletes old delivered or closed referrals, never ones that staff must still act on."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from bot.referral.models import Referral
from bot.web.models import AuditEvent


def referral(reference, age_days, status="pending", follow_up="open"):
    created = timezone.now() - timedelta(days=age_days)
    return Referral.objects.create(
        reference=reference, created_at=created, session_format="online",
        contact_kind="email", contact=f"{reference.lower()}@example.org", first_name="Ana",
        consent_text="yes", consented_at=created, status=status, follow_up=follow_up,
    )  # fmt: skip


def test_finished_referrals_past_retention_are_purged_and_the_rest_kept(settings):
    settings.REFERRAL_RETENTION_DAYS = 30
    referral("OLD-DELIVERED", 31, status="delivered")
    referral("OLD-CLOSED", 45, status="failed", follow_up="closed")
    referral("OLD-PEND-CLOSED", 45, status="pending", follow_up="closed")
    referral("OLD-PENDING", 200, status="pending")
    referral("OLD-FAILED", 200, status="failed", follow_up="contacted")
    referral("NEW-DELIVERED", 29, status="delivered")

    output = StringIO()
    call_command("purge_expired", days=90, stdout=output)

    kept = set(Referral.objects.values_list("reference", flat=True))
    assert kept == {"OLD-PENDING", "OLD-FAILED", "NEW-DELIVERED"}
    audit = AuditEvent.objects.get(action="retention.purged")
    assert audit.actor == "retention"
    assert audit.detail["referrals"] == 3 and audit.detail["referral_days"] == 30
    assert audit.detail["referrals_awaiting_staff"] == 2
    assert "2 older referrals are still pending or failed" in output.getvalue()


def test_referral_retention_follows_retention_days_unless_set(settings):
    assert settings.REFERRAL_RETENTION_DAYS == settings.RETENTION_DAYS
    referral("OLD-DELIVERED", 91, status="delivered")
    referral("KEPT-DELIVERED", 89, status="delivered")
    call_command("purge_expired", referral_days=100, stdout=StringIO())
    assert Referral.objects.count() == 2
    call_command("purge_expired", stdout=StringIO())
    assert set(Referral.objects.values_list("reference", flat=True)) == {"KEPT-DELIVERED"}
