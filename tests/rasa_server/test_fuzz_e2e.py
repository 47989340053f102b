"""Property-based fuzzing of the REST webhook against the real Rasa server.

At least 2,000 generated request bodies (hypothesis, derandomized so every run
sends the same ones): JSON objects whose "sender", "message" and "metadata"
have the wrong types, are missing or come with extra fields; huge strings
(a body over MAX_BODY_KB must get 413);
control characters and NUL; right-to-left and other scripts, emoji and lone
surrogates; JSON that is not an object; hand-written JSON that the parser
chokes on; bytes that are not UTF-8 or not JSON at all. Every answer must be a
200 with a JSON list of replies or a 400 (bot.messages says which), and no 200
may be the channel's apology (what it answers when Rasa raised). The Rasa
process must still be running at the end, and its resident memory must stay
flat (VmRSS after a warm-up batch against VmRSS at the end).

Most messages are short and go to a small pool of conversations, so the run
takes a few minutes and the tracker store stays small.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.limits import max_body_bytes
from bot.rasa_channel import APOLOGY

pytestmark = pytest.mark.e2e

EXAMPLES = 2000
TIMEOUT = 60  # seconds for one request; a 4,000-character message takes well under 1 s
MAX_RSS_GROWTH_MB = 150
HUGE = 200_000  # characters: far past MAX_MESSAGE_CHARS (4,000) and MAX_METADATA_BYTES (2,048)

# Conversations the fuzzer writes to; a few random valid ids are added (see `senders`).
SENDER_POOL = tuple(f"fuzz-{n}" for n in range(8))

SCRIPTS = (
    "hi",
    "I feel anxious",
    "help",
    "مرحبا، أشعر بالقلق",  # Arabic (right to left)
    "שלום, אני עצוב",  # Hebrew (right to left)
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e\u200b\u2060",  # direction marks, zero-width space and joiner
    "我感到焦虑",
    "私は悲しい",
    "불안해요",
    "मुझे चिंता है",
    "Мне грустно",
    "ΓΕΙΑ",
    "Z̵̛̤͎a̷̢͔l̶̨̛g̸̞͊o̴̥̓",  # stacked combining marks
    "👩‍👩‍👧‍👦🏳️‍🌈🇺🇸👍🏽",  # ZWJ sequences, flags, skin tone
    "\ufeff\ufffd\uffff\U0010ffff",  # BOM, replacement, non-characters
    "\u2028\u2029\u0085",  # line and paragraph separators, NEL
    "𝕳𝖊𝖑𝖑𝖔",
    "'; DROP TABLE events; --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}{{7*7}}%s%n",
    "/restart",
    "/greet",
    '/inform{"region": "zz"}',
)
CONTROLS = ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\r\n", "\t")

short_text = st.one_of(
    st.text(max_size=30),  # any code point but surrogates, C0 controls included
    st.sampled_from(SCRIPTS),
    st.lists(st.sampled_from(SCRIPTS + CONTROLS), min_size=1, max_size=6).map("".join),
    st.text(
        alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Co"]),
        max_size=20,
    ),
    # Lone surrogates: only JSON's \ud800-style escapes can carry them (or, sent
    # raw, invalid UTF-8: see `encode`).
    st.lists(
        st.one_of(st.characters(categories=["Cs"]), st.sampled_from(SCRIPTS)),
        min_size=1,
        max_size=4,
    ).map("".join),
)
huge_text = st.builds(
    lambda piece, size: piece * max(1, size // len(piece)),
    st.sampled_from(SCRIPTS + CONTROLS + ("a", " ", "\x00", "\ud800")),
    st.integers(4_000, HUGE),
)
text = st.one_of(short_text, short_text, short_text, short_text, short_text, huge_text)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**128), max_value=2**128),
    st.floats(allow_nan=True, allow_infinity=True),
    short_text,
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

# Valid ids mostly from the pool; sometimes a new random one; sometimes not an id at all.
valid_sender = st.one_of(
    st.sampled_from(SENDER_POOL),
    st.sampled_from(SENDER_POOL),
    st.sampled_from(SENDER_POOL),
    st.sampled_from(SENDER_POOL),
    st.from_regex(r"[A-Za-z0-9_.:@-]{1,128}", fullmatch=True),
)
senders = st.one_of(valid_sender, valid_sender, valid_sender, text, json_values)
messages = st.one_of(text, text, text, json_values)
metadata = st.one_of(
    st.dictionaries(st.sampled_from(["region", "lang", "page"]), short_text, max_size=3),
    st.dictionaries(st.text(max_size=20), json_values, max_size=6),
    st.builds(lambda value: {"blob": value}, huge_text),
    json_values,
)


@st.composite
def objects(draw):
    """A JSON object shaped like a webhook body, each field possibly missing or wrong."""
    body = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3))  # extra fields
    for key, values in (("sender", senders), ("message", messages), ("metadata", metadata)):
        if draw(st.integers(0, 9)):  # present nine times in ten
            body[key] = draw(values)
    return body


def encode(value, ensure_ascii: bool) -> bytes:
    """JSON bytes; without ensure_ascii a lone surrogate becomes invalid UTF-8."""
    return json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


# Escaped (ensure_ascii) three times in four, so that most surrogates reach Rasa.
json_bodies = st.builds(
    encode,
    st.one_of(objects(), objects(), objects(), json_values),
    st.sampled_from([True, True, True, False]),
)
# Bodies that pass validation, so that odd text and metadata go through NLU,
# the policies, the action server and the tracker store.
well_formed = st.builds(
    lambda sender, message, meta, ensure_ascii: encode(
        {"sender": sender, "message": message, "metadata": meta}, ensure_ascii
    ),
    valid_sender,
    text.filter(lambda message: message.strip(" \t\n\r\x0b\x0c")),
    metadata,
    st.sampled_from([True, True, True, False]),
)


@st.composite
def handwritten_json(draw):
    """JSON text json.dumps never writes: deep nesting, long numbers, BOM, duplicates."""
    sender = draw(st.sampled_from(SENDER_POOL))
    depth = draw(st.integers(1, 100_000))
    digits = draw(st.integers(1, 10_000))
    fragment = draw(
        st.sampled_from(
            [
                "[" * depth + "]" * depth,
                '{"a":' * depth + "1" + "}" * depth,
                "[" * depth,  # unterminated
                "1" * digits,
                "-0." + "1" * digits + "e-99999",
                "1e999",
                "NaN",
                "-Infinity",
                '"\\ud83d\\ude00\\ud800\\udfff\\u0000"',
                '"\\x41"',  # not a JSON escape
                "'single quoted'",
                "undefined",
            ]
        )
    )
    template = draw(
        st.sampled_from(
            [
                '{{"sender": "{s}", "message": "hi", "metadata": {f}}}',
                '{{"sender": "{s}", "message": "hi", "extra": {f}}}',
                '{{"sender": "{s}", "message": {f}}}',
                '{{"sender": {f}, "message": "hi"}}',
                "{f}",
                '{{"sender": "{s}", "sender": "x y", "message": "hi"}}',  # duplicate key
                '\ufeff{{"sender": "{s}", "message": "hi"}}',  # byte-order mark
                '{{"sender": "{s}", "message": "hi"}} trailing',
                '{{"sender": "{s}", "message": "hi", }}',  # trailing comma
                '{{"sender": "{s}", /* comment */ "message": "hi"}}',
            ]
        )
    )
    return template.format(s=sender, f=fragment).encode("utf-8", "surrogatepass")


BAD_UTF8 = (
    b"\xff",
    b"\xfe\xff",
    b"\x80",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc3",
)


@st.composite
def broken_bytes(draw):
    """A valid-looking body with invalid UTF-8 spliced in, or in another encoding."""
    body = json.dumps(
        {"sender": draw(st.sampled_from(SENDER_POOL)), "message": draw(short_text)}
    ).encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["splice", "utf-16", "latin-1", "truncate"]))
    if how == "splice":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.sampled_from(BAD_UTF8)) + body[at:]
    if how == "truncate":
        return body[: draw(st.integers(0, len(body)))]
    return json.dumps({"sender": "fuzz-0", "message": "héllo ünïcödé"}, ensure_ascii=False).encode(
        how
    )


bodies = st.one_of(
    well_formed,
    well_formed,
    well_formed,
    json_bodies,
    json_bodies,
    json_bodies,
    handwritten_json(),
    broken_bytes(),
    st.binary(max_size=512),
)


def vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no VmRSS for process {pid}")


def warm_up_bodies() -> list[bytes]:
    """Every path once or more: replies, refusals, truncation, the longest NLU input."""
    bodies = []
    for n, sender in enumerate(SENDER_POOL * 4):
        bodies.append(encode({"sender": sender, "message": SCRIPTS[n % len(SCRIPTS)]}, False))
    bodies += [
        encode({"sender": "fuzz-0", "message": "I feel anxious " * 20_000}, True),
        encode({"sender": "fuzz-1", "message": "x", "metadata": {"blob": "y" * HUGE}}, True),
        encode({"sender": "x" * HUGE, "message": "hi"}, True),
        encode([1, 2, 3], True),
        b"\xff\xfe",
        b"{not json",
    ]
    return bodies


@pytest.fixture(scope="module")
def webhook(stack):
    return stack.url("rasa", "/webhooks/rest/webhook")


def post(url: str, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(url, data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT)


def check(response: requests.Response, body: bytes) -> None:
    shown = body[:300] + (b"..." if len(body) > 300 else b"")
    if len(body) > max_body_bytes():  # refused unread, with the emergency number
        assert response.status_code == 413, (len(body), response.status_code)
        assert "emergency number" in response.json()[0]["text"]
        return
    assert response.status_code in (200, 400), (
        f"{response.status_code} for a {len(body)}-byte body {shown!r}: {response.text[:300]}"
    )
    if response.status_code == 200:
        replies = response.json()
        assert isinstance(replies, list), (shown, replies)
        # The channel's answer when Rasa raised: a crash all the same (rasa.log has it).
        assert not any(reply.get("text") == APOLOGY for reply in replies), (
            f"Rasa failed on a {len(body)}-byte body {shown!r}"
        )
    else:
        assert "error" in response.json(), (shown, response.text[:300])


def test_the_webhook_survives_fuzzed_payloads(stack, webhook):
    rasa = stack.processes["rasa"]
    for body in warm_up_bodies():
        check(post(webhook, body), body)
    rss_before = vm_rss_mb(rasa.pid)
    statuses: Counter[int] = Counter()
    slowest = (0.0, b"")
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )
    @given(body=bodies)
    # json.loads raises RecursionError on deep nesting and ValueError (not
    # JSONDecodeError) on an integer past Python's 4,300-digit limit; spaCy's
    # tokenizer cannot encode a lone surrogate.
    @example(body=b'{"sender": "fuzz-0", "message": "hi", "metadata": ' + b"[" * 100_000 + b"}")
    @example(body=b'{"sender": "fuzz-0", "message": "hi", "n": ' + b"9" * 5_000 + b"}")
    @example(body=b'{"sender": "fuzz-0", "message": "\\u0000\\ud800"}')
    @example(body=b"")
    def fuzz(body: bytes) -> None:
        nonlocal slowest
        begun = time.monotonic()
        # The channel reads the body whatever its declared type.
        content_type = "text/plain" if len(body) % 5 == 0 else "application/json"
        response = post(webhook, body, content_type)
        took = time.monotonic() - begun
        statuses[response.status_code] += 1
        slowest = max(slowest, (took, body[:80]))
        check(response, body)

    try:
        fuzz()
    finally:
        took = time.monotonic() - started
        print(
            f"\nfuzz: {sum(statuses.values())} requests in {took:.0f} s, statuses "
            f"{dict(sorted(statuses.items()))}, slowest {slowest[0]:.2f} s for {slowest[1]!r}"
        )
        if rasa.poll() is not None:
            pytest.fail(f"Rasa exited with {rasa.returncode}: {stack.log_tail('rasa')}")

    rss_after = vm_rss_mb(rasa.pid)
    print(
        f"fuzz: Rasa VmRSS {rss_before:.0f} MB after the warm-up, {rss_after:.0f} MB at the end "
        f"({rss_after - rss_before:+.0f} MB)"
    )
    assert sum(statuses.values()) >= EXAMPLES
    assert requests.get(stack.url("rasa", "/webhooks/rest/"), timeout=10).ok
    assert rss_after - rss_before < MAX_RSS_GROWTH_MB, (rss_before, rss_after)
