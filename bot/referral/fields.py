"""A model field encrypted at rest (Fernet, keys from bot.encryption); the model sees plain text."""

from __future__ import annotations

from django.db import models

from bot.encryption import InvalidToken, decrypt, encrypt


class UnreadableDetailsError(RuntimeError):
    """A stored value that none of CONTACT_ENCRYPTION_KEYS opens."""


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. ``max_length`` checks forms only, as for TextField.

    Each encryption is different, so the database cannot compare values: lookups other
    than ``isnull`` are refused (an error, rather than a filter that silently matches nothing).
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return decrypt(value)
        except InvalidToken as error:
            raise UnreadableDetailsError(
                f"{self.model.__name__}.{self.name} cannot be decrypted with any key in "
                "CONTACT_ENCRYPTION_KEYS: put back the key it was written with (a key is "
                "removed only after `manage.py rotate_contact_key` has run with the new one first)."
            ) from error

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None
