"""Export a simulation's CRM rows as CSV or NDJSON, one stream per record type.

``export_rows`` is the one generator behind both the ``export_simulation`` command (files) and the API
(a StreamingHttpResponse): it streams ``values_list`` tuples from the database in natural-key order, a chunk
at a time, so a million rows never become a million objects. ``EXPORT_COLUMNS`` is the one place the
columns live.

Values: timestamps are UTC ``2025-03-04T10:15:00Z``; ``amount`` is a decimal string (``1234.56``); ``is_won``
is ``true``/``false``, empty (CSV) or null (NDJSON) while the deal is open; other nulls are empty in CSV and
null in NDJSON. CSV lines end in ``\\n``; fields are quoted only when needed (company names hold commas).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from crm.models import NATURAL_ORDER, RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations.engine import DIGEST_FIELDS, format_amount, format_timestamp
from simulations.models import Simulation

FORMATS = ("csv", "ndjson")

SOURCE_FIELDS = {"amount": "amount_cents"}
"""Exported column -> model field, where they differ."""

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    record_type: tuple("amount" if field == "amount_cents" else field for field in DIGEST_FIELDS[record_type])
    for record_type in RECORD_TYPES
}
"""Record type -> exported columns, in file order: the digest's fields, with the amount as a decimal."""

CHUNK_SIZE = 2_000


class ExportError(ValueError):
    """Unknown record type or format; raised before anything is read or written."""


def _check(record_types: Iterable[str], fmt: str | None = None) -> None:
    unknown = [t for t in record_types if t not in EXPORT_COLUMNS]
    if unknown:
        raise ExportError(f"Unknown record type {', '.join(unknown)}. Known: {', '.join(RECORD_TYPES)}.")
    if fmt is not None and fmt not in FORMATS:
        raise ExportError(f"Unknown format {fmt!r}. Known: {', '.join(FORMATS)}.")


def parse_record_types(text: str | None) -> list[str]:
    """``"contacts,deals"`` -> ["contacts", "deals"] (RECORD_TYPES order); None or "" -> every type."""
    if not text:
        return list(RECORD_TYPES)
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    _check(wanted)
    return [t for t in RECORD_TYPES if t in wanted]


def _timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else format_timestamp(int(value.timestamp()))


def _converters(record_type: str) -> list[Callable[[Any], Any]]:
    """Per column: database value -> exported value (str, int, bool or None)."""
    converters: list[Callable[[Any], Any]] = []
    for column in EXPORT_COLUMNS[record_type]:
        if column.endswith("_at"):
            converters.append(_timestamp)
        elif column == "amount":
            converters.append(format_amount)
        else:
            converters.append(lambda value: value)
    return converters


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _database_rows(simulation: Simulation, record_type: str, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    model = RECORD_MODELS[record_type]
    fields = [SOURCE_FIELDS.get(c, c) for c in EXPORT_COLUMNS[record_type]]
    order = NATURAL_ORDER[record_type]
    queryset = model._default_manager.filter(simulation=simulation).order_by(*order).values_list(*fields)
    converters = _converters(record_type)
    for row in queryset.iterator(chunk_size=chunk_size):
        yield tuple(convert(value) for convert, value in zip(converters, row, strict=True))


def _batched(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_rows(simulation: Simulation, record_type: str, fmt: str, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The export of one record type as text chunks (CSV: the header line first), in natural-key order.

    A generator: nothing is read until it is iterated, and at most ``chunk_size`` rows are held at a time.
    Raises ExportError on an unknown record type or format (when first iterated).
    """
    _check([record_type], fmt)
    columns = EXPORT_COLUMNS[record_type]
    rows = _database_rows(simulation, record_type, chunk_size)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        yield buffer.getvalue()
        for batch in _batched(rows, chunk_size):
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([_csv_value(v) for v in row] for row in batch)
            yield buffer.getvalue()
    else:
        for batch in _batched(rows, chunk_size):
            yield "".join(
                json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, separators=(",", ":")) + "\n"
                for row in batch
            )


def export_filename(record_type: str, fmt: str) -> str:
    return f"{record_type}.{fmt}"


def export_simulation(
    *, simulation: Simulation, out_dir: Path, fmt: str, record_types: Sequence[str] | None = None
) -> dict[str, Path]:
    """Write ``<type>.<fmt>`` for each record type into ``out_dir`` (created if missing); return the paths.

    Inputs are checked before anything is written. Each file is written to a temporary name in ``out_dir``
    and renamed into place, so a reader never sees a half-written file under the final name.
    """
    types = list(record_types) if record_types is not None else list(RECORD_TYPES)
    _check(types, fmt)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for record_type in types:
        target = out_dir / export_filename(record_type, fmt)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=out_dir)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                for chunk in export_rows(simulation, record_type, fmt):
                    stream.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written[record_type] = target
    return written
