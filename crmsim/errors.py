"""Domain errors: what services raise when a request cannot be done, whoever asked (API, CLI, admin).

A small hierarchy in the spirit of HackSoft's ``ApplicationError``. Services raise these and never build HTTP
responses; the API maps each class to one status code in ``crmsim.exception_handler`` (the only place that
does), and the CLI turns them into usage errors.

Pure Python: no Django or DRF import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NON_FIELD_ERRORS = "non_field_errors"
"""The key of problems with a request as a whole (DRF's name for it)."""


class ApplicationError(Exception):
    """The root of crmsim's domain errors. ``str(error)`` is a sentence meant for the user."""


class InvalidInput(ApplicationError, ValueError):
    """Bad input (HTTP 400): ``errors`` maps a field path (``overrides.dealAmount.mu``) to its messages.

    A value may itself be a mapping of paths when the input is a tree (``{"parameters": {"a.b": [...]}}``).
    """

    def __init__(self, errors: Mapping[str, Any]):
        self.errors: dict[str, Any] = {
            key: dict(value) if isinstance(value, Mapping) else list(value) for key, value in errors.items()
        }
        super().__init__("; ".join(f"{key}: {_text(value)}" for key, value in sorted(self.errors.items())))


class LimitReached(InvalidInput):
    """A quota stops the request (HTTP 400 like other bad input, reported under ``non_field_errors``)."""

    def __init__(self, message: str):
        super().__init__({NON_FIELD_ERRORS: [message]})


class NotFound(ApplicationError, LookupError):
    """No such object, or not visible to the user (HTTP 404)."""


class NotAllowed(ApplicationError):
    """The user may not do this to this object, whatever its state (HTTP 403)."""


class StateConflict(ApplicationError, ValueError):
    """The object's current state does not allow the action (HTTP 409), e.g. resuming a completed run."""


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_text(inner)}" for key, inner in sorted(value.items()))
    return " ".join(str(item) for item in value)
