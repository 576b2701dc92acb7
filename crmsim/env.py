"""Typed readers for environment variables (in the spirit of healthchecks' envbool/envint)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is unfit for production, or None.

    The criteria of Django's ``check --deploy`` (security.W009): at least 50 characters, at least 5 distinct
    ones, and not Django's ``django-insecure-`` development prefix.
    """
    if key.startswith("django-insecure"):
        return "it starts with 'django-insecure' (a development key). Generate one with secrets.token_urlsafe(50)."
    if len(key) < 50:
        return f"it has {len(key)} characters, at least 50 are needed. Generate one with secrets.token_urlsafe(50)."
    if len(set(key)) < 5:
        return (
            f"it has {len(set(key))} distinct characters, at least 5 are needed. "
            "Generate one with secrets.token_urlsafe(50)."
        )
    return None
