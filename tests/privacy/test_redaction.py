"""What redact() takes out of visitor text (names, addresses, spelled contacts), what it leaves."""

import time

import pytest

from bot.redaction import redact

SHOULD_REDACT = [
    # names, when the visitor introduces or signs with one
    ("my name is Jane Doe and I feel low", "us", "my name is [name] and I feel low"),
    ("My name's priya", "uk", "My name's [name]"),
    ("my name is oisin kelly", "ie", "my name is [name]"),
    ("hi, I'm Tomasz", "uk", "hi, I'm [name]"),
    ("I am Aoife, I need some help", "ie", "I am [name], I need some help"),
    ("this is Marcus, on my partner's phone", "us", "this is [name], on my partner's phone"),
    ("call me Dee", "au", "call me [name]"),
    ("Thanks, Niamh", "ie", "Thanks, [name]"),
    ("thank you so much\n— Grace", "nz", "thank you so much\n— [name]"),
    ("ok bye -- Lena", "ca", "ok bye -- [name]"),
    ("Cheers Rob", "au", "Cheers [name]"),
    ("Kind regards,\nMary-Jane O'Neill", "uk", "Kind regards,\n[name]"),
    # street addresses
    ("come to 221B Baker Street", "uk", "come to [address]"),
    ("we're at 12 harbour road", "nz", "we're at [address]"),
    ("my flat is 3/17 Kent St", "au", "my flat is [address]"),
    ("7 Willow Close, Bristol", "uk", "[address], Bristol"),
    (
        "1600 Pennsylvania Ave NW, Washington, DC 20500",
        "us",
        "[address], Washington, DC [postcode]",
    ),
    (
        "Apt 4B, 350 Elm Drive, Springfield, IL 62704-1234",
        "us",
        "[address], Springfield, IL [postcode]",
    ),
    ("Unit 5, 88 Queen Street, Auckland 1010", "nz", "[address], Auckland [postcode]"),
    (
        "I live at 42 Wallaby Way, Sydney NSW 2000",
        "au",
        "I live at [address], Sydney NSW [postcode]",
    ),
    ("15 Rue Saint-Denis, Montréal QC H2X 3K8", "ca", "[address], Montréal QC [postcode]"),
    ("send it to PO Box 1234", "us", "send it to [address]"),
    ("10 Downing Street, London SW1A 2AA", "uk", "[address], London [postcode]"),
    ("4 St Mary's Road, Dublin 4", "ie", "[address], Dublin [postcode]"),
    # postcodes
    ("my postcode is SW1A 1AA", "uk", "my postcode is [postcode]"),
    ("near m1 1ae", "uk", "near [postcode]"),
    ("Eircode D02 X285", "ie", "Eircode [postcode]"),
    ("we're in A65F4E2", "ie", "we're in [postcode]"),
    ("Toronto M5V 3L9", "ca", "Toronto [postcode]"),
    ("zip code 90210", "us", "zip code [postcode]"),
    ("post code is 3000", "au", "post code is [postcode]"),
    # emails spelled out
    ("jane dot doe at gmail dot com", "us", "[email]"),
    ("write to jane at gmail.com", "us", "write to [email]"),
    ("jane(at)example(dot)org", "uk", "[email]"),
    ("sam [at] example [dot] co [dot] uk please", "uk", "[email] please"),
    ("j.smith AT outlook DOT com", "ca", "[email]"),
    ("priya underscore k at hotmail dot co dot uk", "uk", "[email]"),
    ("it's kel88 at hotmail", "au", "it's [email]"),
    # phone numbers written with words or spaces
    (
        "call me on oh seven seven double oh nine double oh one two three",
        "uk",
        "call me on [phone]",
    ),
    (
        "my number is four one five, five five five, zero one three four",
        "us",
        "my number is [phone]",
    ),
    ("0 7 7 0 0 9 0 0 1 2 3", "uk", "[phone]"),
    ("plus six one four one two three four five six seven eight", "au", "[phone]"),
    ("ring oh two oh, seven nine four six, oh nine five eight", "uk", "ring [phone]"),
]

MUST_NOT_REDACT = [
    "I'm anxious",
    "I'm fine",
    "this is hard",
    "I'm Anxious about work",
    "This Is Hard",
    "Hi, I'm Feeling Low",
    "I am so tired of this",
    "I'm not sure",
    "my name is not important",
    "I'm English and I'm Catholic",
    "I'm OK, I'm OCD",
    "call me later",
    "call me Tuesday",
    "thanks, that helps a lot",
    "Thanks, I will try that",
    "It's Monday again",
    "I slept 8 hours, 3 times this week",
    "I walked 3 miles down the road",
    "I spent 2 hours in the park",
    "my 2 kids drive me up the wall",
    "we met at 5 in the evening",
    "I'll be at home at 10",
    "between 2019 and 2021 I had 4 jobs",
    "count one two three four and breathe out",
    "I take 20 mg at night, 1 at 8am",
    "score of 12 out of 27 on the PHQ-9",
    "I've felt like this since June 2021",
    "my son is in year 9 at school",
    "I was at work. it was awful",
    "oh one more thing",
    "I'm in NSW now",
    "I moved to Dublin 2 years ago",
    "I moved to Georgia 2019",
    "I'm Gonna cry",
    "— I don't know",
]


@pytest.mark.parametrize(("text", "region", "expected"), SHOULD_REDACT)
def test_contact_details_are_redacted(text, region, expected):
    assert redact(text, region) == expected


@pytest.mark.parametrize("text", MUST_NOT_REDACT)
def test_ordinary_sentences_are_left_alone(text):
    assert redact(text, "us") == text
    assert redact(text, None) == text


def test_redaction_is_fast_enough_for_large_exports():
    messages = [text for text, _, _ in SHOULD_REDACT] + MUST_NOT_REDACT
    batch = (messages * 100)[:5000]
    started = time.perf_counter()
    for text in batch:
        redact(text, "uk")
    assert time.perf_counter() - started < 10  # about 1 ms a message on a shared core


@pytest.mark.parametrize(
    "text", ["a at " * 2000, "one " * 3000, "1 " * 3000, "Thanks, " * 2000, "12 a " * 2000]
)
def test_pathological_text_does_not_stall(text):
    started = time.perf_counter()
    redact(text, "us")
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("text", ["/greet@0.99", "version 2@3.4", "scored 10@1.5 today"])
def test_numbers_around_an_at_sign_are_no_email(text):
    assert redact(text) == text
