"""A visitor's name and contact never reach the tracker store in plain text.

The channel seals the answers to the referral form's name and contact questions
(bot/private_answers.py); the transcript keeps a placeholder, the summary shows
them masked, and only the referral record (encrypted) holds them.
"""

import json
import uuid

import pytest

from tests.support.chat import referral_up_to_consent, send, stored_events, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.referral]

NAME = "Philippa"
EMAIL = "philippa.quince@example.org"
PHONE_TYPED, PHONE = "07911 123456", "+447911123456"


@pytest.mark.parametrize(("typed", "kept"), [(EMAIL, EMAIL), (PHONE_TYPED, PHONE)])
@pytest.mark.parametrize("consent", ["no", "yes"])
def test_name_and_contact_stay_out_of_the_tracker_store(stack, typed, kept, consent):
    sender = uuid.uuid4().hex
    summary = referral_up_to_consent(
        lambda text: send(stack, text, sender=sender, region="uk"), NAME, typed
    )
    assert "Contact:" in text_of(summary) and kept not in text_of(summary)
    send(stack, consent, sender=sender, region="uk")
    stored = json.dumps(stored_events(stack, sender))
    for secret in (NAME, typed, kept, typed.replace(" ", "")):
        assert secret not in stored
    assert "kept private" in stored  # the placeholder, in the visitor's turn
