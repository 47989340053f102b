"""Therapist referrals: contact details, clinician matching, and a durable outbox.

A referral is written to the outbox (a Django model, so the staff console
shows it) only after the visitor's explicit consent, then delivered to the
practice's intake endpoint by a worker (python -m bot.referral deliver) that
retries with backoff and an idempotency key until the endpoint accepts it.
"""
