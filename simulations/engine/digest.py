"""The dataset digest: sha256 over a canonical, key-sorted text dump of every CRM row.

Canonical form: for each record type in RECORD_TYPES order, the line ``#<type>\\n``, then one line per
row: the DIGEST_FIELDS values joined by a tab, ending in ``\\n``. A value is formatted as

    None                    ""            (NULLABLE fields: open deal's closed_at / is_won, ...)
    bool                    "true" / "false" (is_won, is_primary)
    "*_at", "close_date"    "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds)
    amount_cents            a decimal string of the amount: 123456 -> "1234.56"
    other int               decimal
    float (probability)     Python's repr: 0.2, 1.0
    str                     as is (the pools hold no tabs or newlines)

Rows of a type must be fed in natural-key order (events by (contact_key | deal_key, seq)). The database
layer fetches the same fields ORDER BY key and feeds them through ``DatasetDigest.add_rows``, so a finished
simulation's digest equals ``engine_digest(inputs)``.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .inputs import RECORD_TYPES, SimulationInputs
from .plan import build_plan
from .records import company_columns, owner_columns
from .slots import SlotData, generate_dataset

DIGEST_FIELDS: dict[str, tuple[str, ...]] = {
    "owners": ("key", "first_name", "last_name", "email", "team", "role", "timezone"),
    "companies": (
        "key",
        "kind",
        "name",
        "domain",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "city",
        "timezone",
        "owner_key",
        "created_at",
    ),
    "contacts": (
        "key",
        "company_key",
        "owner_key",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "country",
        "timezone",
        "lifecycle_stage",
        "lead_status",
        "source",
        "created_at",
    ),
    "deals": (
        "key",
        "contact_key",
        "company_key",
        "owner_key",
        "name",
        "pipeline",
        "dealstage",
        "deal_type",
        "probability",
        "amount_cents",
        "close_date",
        "lost_reason",
        "is_won",
        "closed_at",
        "created_at",
    ),
    "deal_contacts": ("deal_key", "contact_key", "role", "is_primary"),
    "activities": (
        "key",
        "type",
        "contact_key",
        "deal_key",
        "company_key",
        "owner_key",
        "subject",
        "body",
        "direction",
        "status",
        "duration_seconds",
        "due_at",
        "occurred_at",
        "priority",
    ),
    "lifecycle_events": ("contact_key", "seq", "from_stage", "to_stage", "occurred_at"),
    "deal_stage_events": ("deal_key", "seq", "from_stage", "to_stage", "occurred_at"),
}
"""Per record type, the row's fields in canonical order. The writer inserts them and the export writes them
(``amount_cents`` as ``amount``), so this is the one list of columns."""

NULLABLE: frozenset[tuple[str, str]] = frozenset(
    {
        ("companies", "employees"),
        ("companies", "annual_revenue"),
        ("deals", "closed_at"),
        ("deals", "is_won"),
        ("activities", "deal_key"),
        ("activities", "duration_seconds"),
        ("activities", "due_at"),
    }
)
"""Integer/time fields whose engine sentinel -1 means NULL."""
BOOLEAN: frozenset[tuple[str, str]] = frozenset({("deals", "is_won"), ("deal_contacts", "is_primary")})
"""int8 fields stored as booleans (1 true, 0 false; -1 NULL where nullable)."""


def is_time_field(name: str) -> bool:
    """Fields holding epoch seconds (formatted as UTC timestamps): ``*_at`` and ``close_date``."""
    return name.endswith("_at") or name == "close_date"


def format_timestamp(seconds: int) -> str:
    """Epoch seconds -> "YYYY-MM-DDTHH:MM:SSZ" (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def format_amount(cents: int) -> str:
    """Cents -> a decimal string with two places: 123456 -> "1234.56", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


def _formatters(record_type: str) -> list[Callable[[int], str] | None]:
    result: list[Callable[[int], str] | None] = []
    for name in DIGEST_FIELDS[record_type]:
        if is_time_field(name):
            result.append(format_timestamp)
        elif name == "amount_cents":
            result.append(format_amount)
        else:
            result.append(None)
    return result


def canonical_lines(record_type: str, rows: Iterable[tuple]) -> Iterator[str]:
    formatters = _formatters(record_type)
    for row in rows:
        fields = []
        for value, formatter in zip(row, formatters, strict=True):
            if value is None:
                fields.append("")
            elif value is True:
                fields.append("true")
            elif value is False:
                fields.append("false")
            elif formatter is not None:
                fields.append(formatter(value))
            else:
                fields.append(str(value))
        yield "\t".join(fields) + "\n"


class DatasetDigest:
    """Incremental digest. Feed types in RECORD_TYPES order (several calls per type are fine); headers of
    types never fed are still hashed, so an empty type and a missing call digest alike."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._next = 0  # index of the first type whose header is not yet hashed

    def _enter(self, record_type: str) -> None:
        index = RECORD_TYPES.index(record_type)
        if index < self._next - 1:
            raise ValueError(f"{record_type} fed after {RECORD_TYPES[self._next - 1]}; feed types in order")
        while self._next <= index:
            self._hash.update(f"#{RECORD_TYPES[self._next]}\n".encode())
            self._next += 1

    def add_rows(self, record_type: str, rows: Iterable[tuple]) -> None:
        self._enter(record_type)
        update = self._hash.update
        for line in canonical_lines(record_type, rows):
            update(line.encode())

    def _add_bytes(self, record_type: str, data: bytes) -> None:
        self._enter(record_type)
        self._hash.update(data)

    def hexdigest(self) -> str:
        final = self._hash.copy()
        for record_type in RECORD_TYPES[self._next :]:
            final.update(f"#{record_type}\n".encode())
        return final.hexdigest()


def columns_rows(record_type: str, columns: dict[str, np.ndarray]) -> Iterator[tuple]:
    """Engine columns -> canonical Python tuples (-1 -> None for nullable fields, is_won -> bool)."""
    values = []
    for name in DIGEST_FIELDS[record_type]:
        column = columns[name].tolist()
        if (record_type, name) in BOOLEAN:
            column = [None if v < 0 else bool(v) for v in column]
        elif (record_type, name) in NULLABLE:
            column = [None if v < 0 else v for v in column]
        values.append(column)
    return zip(*values, strict=True)


def slot_rows(slot: SlotData, record_type: str) -> Iterator[tuple]:
    """The slot's rows of ``record_type`` as canonical tuples in DIGEST_FIELDS order."""
    return columns_rows(record_type, getattr(slot, record_type))


COMPANY_CHUNK = 50_000


def engine_digest(inputs: SimulationInputs) -> str:
    """The digest of the whole dataset, computed from the engine alone (bounded memory: each type's lines
    are spooled to a temporary file and hashed in type order)."""
    plan = build_plan(inputs)
    digest = DatasetDigest()
    digest.add_rows("owners", columns_rows("owners", owner_columns(plan)))
    for lo in range(0, plan.company_count, COMPANY_CHUNK):
        keys = np.arange(lo, min(lo + COMPANY_CHUNK, plan.company_count), dtype=np.int64)
        digest.add_rows("companies", columns_rows("companies", company_columns(plan, keys)))
    with contextlib.ExitStack() as stack:
        spools = {t: stack.enter_context(tempfile.SpooledTemporaryFile(max_size=64 << 20)) for t in RECORD_TYPES[2:]}
        for slot in generate_dataset(inputs):
            for record_type, spool in spools.items():
                spool.write("".join(canonical_lines(record_type, slot_rows(slot, record_type))).encode())
        for record_type, spool in spools.items():
            spool.seek(0)
            while chunk := spool.read(1 << 20):
                digest._add_bytes(record_type, chunk)
            digest._enter(record_type)
    return digest.hexdigest()
