"""Contact details: checked with email-validator and phonenumbers, masked for lists and logs."""

import pytest

from bot.referral.contact import ContactError, mask, parse_contact

pytestmark = pytest.mark.referral


@pytest.mark.parametrize(
    ("text", "region", "kind", "value"),
    [
        ("Sam.Jones@Example.org", "uk", "email", "Sam.Jones@example.org"),
        ("07911 123456", "uk", "phone", "+447911123456"),
        ("(650) 253-0000", "us", "phone", "+16502530000"),
        ("+61 412 345 678", "us", "phone", "+61412345678"),
        ("021 123 4567", "nz", "phone", "+64211234567"),
    ],
)
def test_good_contacts_are_normalised(text, region, kind, value):
    contact = parse_contact(text, region)
    assert (contact.kind, contact.value) == (kind, value)


@pytest.mark.parametrize(
    ("text", "region", "complaint"),
    [
        ("sam@", "uk", "email address doesn't look right"),
        ("sam@@example.org", "uk", "email address doesn't look right"),
        ("sam@example", "uk", "email address doesn't look right"),
        ("07700 9001", "uk", "phone number doesn't look right"),
        ("12345678", "intl", "phone number doesn't look right"),
        ("call me maybe", "us", "email address or a phone number"),
    ],
)
def test_bad_contacts_get_a_plain_reason(text, region, complaint):
    with pytest.raises(ContactError, match=complaint):
        parse_contact(text, region)


def test_masking_keeps_too_little_to_use():
    assert mask("email", "sam.jones@example.org") == "s***@e***"
    assert mask("phone", "+447700900123") == "**********123"
