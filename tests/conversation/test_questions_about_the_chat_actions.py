"""Honest answers about the chat itself come from the practice's settings."""

import pytest
from django.test import override_settings

from actions.conversation import ActionExplainChatPrivacy
from tests.support.action_trackers import tracker_after

pytestmark = pytest.mark.anyio


@override_settings(PRACTICE_NAME="Riverside Counselling", RETENTION_DAYS=30)
async def test_what_happens_to_this_chat_comes_from_the_settings(dispatcher, domain):
    await ActionExplainChatPrivacy().run(
        dispatcher, tracker_after("who reads this", "ask_chat_privacy"), domain
    )
    [message] = dispatcher.messages
    text = message["text"]
    assert "Riverside Counselling keeps it for 30 days" in text
    assert "AI" in text
    assert "Delete my conversation" in text  # how to erase it
    assert "can't promise to keep what you say secret" in text  # no false promise
    assert "someone from Riverside Counselling can join this chat" in text
    assert "only join when you ask" in text
