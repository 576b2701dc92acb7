"""Parsing and printing shared by the management commands (kept out of the commands to keep them thin)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.core.management.base import CommandError

from scenarios.parameters import InvalidParameters
from scenarios.validation import parse_override_value


def usage_error(message: str) -> CommandError:
    """A one-line error for stderr with exit code 2 (bad input; nothing was created)."""
    return CommandError(message, returncode=2)


def parse_utc(text: str, name: str) -> dt.datetime:
    """An ISO date (``2026-01-01``) or datetime (``2026-01-01T09:30:00Z``); naive values are UTC."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise usage_error(f"--{name}: {text!r} is not an ISO date or datetime (e.g. 2026-01-01).") from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_pairs(items: Iterable[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise usage_error(f"--{option}: expected KEY=VALUE, got {item!r}.")
        pairs.append((key.strip(), value.strip()))
    return pairs


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    overrides = {}
    for path, text in parse_pairs(items, "override"):
        try:
            overrides[path] = parse_override_value(path, text)
        except InvalidParameters as exc:
            raise usage_error(f"--override {path}: {exc.summary()}") from None
    return overrides


def parse_distribution_params(items: Iterable[str]) -> dict[str, Any]:
    """Values are JSON when they parse (``3``, ``[1,2]``), comma lists become number lists, else strings."""
    params: dict[str, Any] = {}
    for key, text in parse_pairs(items, "distribution-param"):
        try:
            params[key] = json.loads(text)
        except json.JSONDecodeError:
            try:
                params[key] = [float(v) for v in text.split(",")] if "," in text else text
            except ValueError:
                params[key] = text
    return params


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """Rows as aligned text columns (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric, strict=True))

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])
