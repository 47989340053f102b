"""How to reach the visitor: an email address or a phone number, checked and masked."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.regions import phone_country


@dataclass(frozen=True)
class Contact:
    kind: str  # "email" or "phone"
    value: str  # normalised: the email as validated, the phone in E.164

    @property
    def masked(self) -> str:
        return mask(self.kind, self.value)


class ContactError(ValueError):
    """A contact that cannot be used; the message says why in plain words."""


def parse_contact(text: str, region: str | None) -> Contact:
    """An email address (syntax only: no network) or a phone number valid for the region."""
    text = text.strip()
    if "@" in text:
        try:
            email = validate_email(text, check_deliverability=False)
        except EmailNotValidError as error:
            raise ContactError(f"That email address doesn't look right: {error}") from error
        return Contact("email", email.normalized)
    if sum(ch.isdigit() for ch in text) < 6:
        raise ContactError("Please give an email address or a phone number.")
    try:
        number = phonenumbers.parse(text, phone_country(region))
    except phonenumbers.NumberParseException as error:
        raise ContactError("That phone number doesn't look right.") from error
    if not phonenumbers.is_valid_number(number):
        raise ContactError(
            "That phone number doesn't look right. Please check it, or add the country code."
        )
    return Contact("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def mask(kind: str, value: str) -> str:
    """Enough to recognise a contact in a list or a log, not enough to use it."""
    if kind == "email" and "@" in value:
        local, domain = value.rsplit("@", 1)
        return f"{local[:1]}***@{domain[:1]}***"
    return f"{'*' * max(len(value) - 3, 3)}{value[-3:]}"
