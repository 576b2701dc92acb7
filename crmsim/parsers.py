"""The API's JSON parser: what a body may contain before any view or serializer looks at it.

Python's ``json`` accepts more than the API can safely take: integer literals of any length (``1`` followed by
400 zeros overflows the first ``float()`` that meets it), ``1e400`` (read as infinity), ``NaN``/``Infinity``,
nesting deep enough to exhaust the interpreter's stack, NUL characters (PostgreSQL refuses them in text) and
unpaired surrogates (``"\\ud800"``: no UTF-8 encoding exists). ``StrictJSONParser`` refuses all of them with
a 400 that names the path of the offending value, so everything downstream sees plain, bounded JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
"""Containers nested deeper than this are refused (the API's deepest real input is 3 levels)."""
MAX_INTEGER = 2**63 - 1
"""The largest integer a body may hold (the seed's range); floats must be finite."""
NON_FIELD_ERRORS = "non_field_errors"
BAD_NUMBER = f"Number out of range: integers must lie within ±{MAX_INTEGER}, other numbers must be finite."
BAD_STRING = "Must not contain NUL characters or unpaired surrogates."


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON.")


def json_path(parts: tuple[str | int, ...]) -> str:
    """``("overrides", "dealAmount.mu")`` -> ``overrides.dealAmount.mu``; list items by index (``weights.3``)."""
    return ".".join(str(part) for part in parts) or NON_FIELD_ERRORS


def _bad_string(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problems(document: Any, max_depth: int = MAX_DEPTH) -> Iterator[tuple[str, str]]:
    """Every (path, message) that makes ``document`` unacceptable; iterative, so depth cannot overflow it."""
    stack: list[tuple[tuple[str | int, ...], Any, int]] = [((), document, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, Mapping | list):
            if depth >= max_depth:
                yield json_path(path), f"Nested more than {max_depth} levels deep."
                continue
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _bad_string(key):
                    yield json_path(path), f"A key: {BAD_STRING}"
                    continue
                stack.append(((*path, key), item, depth + 1))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                yield json_path(path), BAD_NUMBER
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                yield json_path(path), BAD_NUMBER
        elif isinstance(value, str) and _bad_string(value):
            yield json_path(path), BAD_STRING


def check_json(document: Any) -> None:
    """Raise DRF's ValidationError ``{path: [message, ...]}`` when ``document`` holds anything refused above."""
    errors: dict[str, list[str]] = {}
    for path, message in json_problems(document):
        errors.setdefault(path, []).append(message)
    if errors:
        raise exceptions.ValidationError(dict(sorted(errors.items())))


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


class StrictJSONParser(JSONParser):
    """DRF's JSON parser plus the checks above, and an oversized body reported in the API's JSON error shape."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            raw = stream.read(limit + 1) if limit is not None else stream.read()
        except RequestDataTooBig as exc:
            raise RequestTooLarge() from exc
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            document = json.loads(raw, parse_constant=_refuse_constant)
        except RecursionError as exc:
            too_deep = f"Nested more than {MAX_DEPTH} levels deep."
            raise exceptions.ValidationError({NON_FIELD_ERRORS: [too_deep]}) from exc
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        check_json(document)
        return document
