"""The key that encrypts visitors' contact details, wherever they are kept.

``CONTACT_ENCRYPTION_KEYS`` holds one or more Fernet keys, separated by commas:
the first encrypts, every one decrypts, so a key is rotated by putting a new one
first, re-encrypting (``manage.py rotate_contact_key``) and then removing the old
one. Without it (the embedded profile) a key is made once and kept in
``LANTERN_VAR_DIR`` (0600), shared by the Rasa server, the action server and the
web process of one machine. This module needs neither Django nor Rasa: all three
processes read it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["EncryptionKeyError", "InvalidToken", "contact_cipher", "decrypt", "encrypt"]

KEY_FILE_NAME = "contact_encryption_key"


class EncryptionKeyError(RuntimeError):
    """The configured keys cannot be used; the message says what to set."""


def var_dir() -> Path:
    return Path(os.environ.get("LANTERN_VAR_DIR", Path(__file__).resolve().parents[1] / "var"))


@lru_cache(maxsize=1)
def contact_cipher() -> MultiFernet:
    configured = os.environ.get("CONTACT_ENCRYPTION_KEYS", "").strip()
    keys = [key.strip() for key in configured.split(",") if key.strip()] or [_local_key()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise EncryptionKeyError(
            "CONTACT_ENCRYPTION_KEYS must be Fernet keys separated by commas "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from error


def _local_key() -> str:
    """The embedded profile's key, made once."""
    return kept_secret(KEY_FILE_NAME, lambda: Fernet.generate_key().decode("ascii"))


def kept_secret(file_name: str, make: Callable[[], str]) -> str:
    """A secret made once and kept in LANTERN_VAR_DIR (0600). Written aside and linked into
    place, so two processes starting at once end up with the same secret and never read a
    half-written one."""
    path = var_dir() / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f"{file_name}.{os.getpid()}")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as secret_file:
            secret_file.write(make())
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: its secret wins
        finally:
            candidate.unlink()
    return path.read_text(encoding="ascii").strip()


def encrypt(text: str) -> str:
    return contact_cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, ttl_seconds: int | None = None) -> str:
    """The plain text; InvalidToken when it was not made with one of the keys (or is older
    than ``ttl_seconds``)."""
    return contact_cipher().decrypt(token.encode("ascii"), ttl=ttl_seconds).decode("utf-8")
