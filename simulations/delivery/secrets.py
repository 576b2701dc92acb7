"""Sink secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from the environment.

``CRMSIM_SECRETS_KEY`` is a Fernet key (``Fernet.generate_key()``; several comma-separated keys rotate: the
first encrypts, all decrypt). Without it, crmsim derives a development key from SECRET_KEY while DEBUG is on and
refuses to store or read secrets otherwise, with an error that says what to set.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted with the configured keys (the key changed): re-enter the secret."""


def _fernet() -> MultiFernet:
    configured = [k.strip() for k in (settings.CRMSIM_SECRETS_KEY or "").split(",") if k.strip()]
    if not configured:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "CRMSIM_SECRETS_KEY must be set when DEBUG is off (sink secrets are encrypted with it). "
                'Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            )
        digest = hashlib.sha256(f"crmsim-dev-secrets:{settings.SECRET_KEY}".encode()).digest()
        configured = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key.encode()) for key in configured])
    except ValueError as exc:
        raise ImproperlyConfigured(f"CRMSIM_SECRETS_KEY is not a valid Fernet key: {exc}") from None


def encrypt_secret(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("The sink's secret cannot be decrypted with CRMSIM_SECRETS_KEY; set it again.") from None


def secret_hint(plain: str) -> str:
    """What a human may see of a secret: its last four characters."""
    return f"…{plain[-4:]}" if len(plain) >= 12 else "…"
