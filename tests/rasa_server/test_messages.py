"""Validation of REST webhook bodies before they reach NLU."""

import json
import re

import pytest

from bot.messages import (
    MAX_MESSAGE_CHARS,
    InvalidMessage,
    parse_webhook_body,
)


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_valid_message_passes_through():
    incoming = parse_webhook_body(body(sender="abc123", message="hi", metadata={"region": "uk"}))
    assert (incoming.sender, incoming.text, incoming.metadata) == ("abc123", "hi", {"region": "uk"})
    assert not incoming.truncated


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (b"{not json", "must be JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"[1, 2, 3]", "JSON object"),
        (b'"hello"', "JSON object"),
        (b"", "must be JSON"),
        (body(message="hi"), '"sender" is required'),
        (body(sender="", message="hi"), '"sender" is required'),
        (body(sender=123, message="hi"), '"sender" is required'),
        (body(sender="a b", message="hi"), '"sender" must be'),
        (body(sender="x" * 129, message="hi"), '"sender" must be'),
        (body(sender="a"), '"message" is required'),
        (body(sender="a", message=["hi"]), '"message" is required'),
        (body(sender="a", message=""), "empty"),
        (body(sender="a", message="  \n\t "), "empty"),
        (body(sender="a", message="\x00\x01\x02"), "empty"),
        (b'{"sender": "a", "message": "hi", "m": ' + b"[" * 100_000, "must be JSON"),
        (b'{"sender": "a", "message": "hi", "n": ' + b"9" * 5000 + b"}", "must be JSON"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_bad_bodies_are_refused_with_a_sentence(raw, complaint):
    with pytest.raises(InvalidMessage, match=re.escape(complaint)):
        parse_webhook_body(raw)


def test_oversized_message_is_cut_to_the_documented_limit():
    incoming = parse_webhook_body(body(sender="a", message="a" * 100_000))
    assert len(incoming.text) == MAX_MESSAGE_CHARS
    assert incoming.truncated


def test_control_characters_are_removed_but_newlines_kept():
    incoming = parse_webhook_body(body(sender="a", message="one\x00two\nthree\x1b"))
    assert incoming.text == "one two\nthree"


def test_lone_surrogates_are_replaced_so_the_screen_can_read_the_message():
    incoming = parse_webhook_body(b'{"sender": "a", "message": "i want to die \\ud800"}')
    assert incoming.text == "i want to die \ufffd"
    incoming.text.encode("utf-8")  # spaCy's tokenizer needs this to work


@pytest.mark.parametrize("metadata", ["uk", ["uk"], {"blob": "x" * 5000}])
def test_unusable_metadata_is_dropped_not_refused(metadata):
    incoming = parse_webhook_body(body(sender="a", message="hi", metadata=metadata))
    assert incoming.metadata == {}


def test_other_scripts_and_emoji_are_kept():
    incoming = parse_webhook_body(body(sender="a", message="Je suis épuisé 😔 疲れた"))
    assert incoming.text == "Je suis épuisé 😔 疲れた"
