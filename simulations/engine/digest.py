"""The dataset digest: sha256 over a canonical text dump of every CRM row, one hash per record type.

Canonical form. A record type's text is one line per row, rows in natural-key order (events by
(contact_key | deal_key, seq)): the DIGEST_FIELDS values in order, each rendered as PostgreSQL's COPY text
format renders it, separated by a tab, ending in ``\\n``:

    NULL                    ``\\N``   (NULLABLE fields: an open deal's closed_at / is_won, ...)
    bool                    ``t`` / ``f`` (is_won, is_primary)
    "*_at", "close_date"    epoch seconds, decimal (UTC, whole seconds)
    amount_cents, other int decimal
    float (probability)     six decimals: 0.200000, 1.000000 (HubSpot's stage probabilities are tenths)
    str                     as is, with COPY's escapes for backslash, tab, newline and carriage return

Each type's text is hashed alone (sha256); the dataset digest is sha256 over the lines ``<type>\\t<hex>\\n``
for every type in RECORD_TYPES order (an empty type hashes the empty text). That form is what the database
renders without Python in the loop: PostgreSQL streams ``COPY (SELECT ... ORDER BY key) TO STDOUT`` straight
into the type's hash, SQLite builds each line in SQL (``reads.digest``), and the engine renders whole numpy
columns at once (``canonical_text``); per-type hashes also let the engine feed slot after slot without
spooling. docs/performance.md ("The digest") has the measurements behind this choice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator

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
    """Fields holding epoch seconds (exports format them as UTC timestamps): ``*_at`` and ``close_date``."""
    return name.endswith("_at") or name == "close_date"


def format_timestamp(seconds: int) -> str:
    """Epoch seconds -> "YYYY-MM-DDTHH:MM:SSZ" (UTC): exports, events and the API, not the digest."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def format_amount(cents: int) -> str:
    """Cents -> a decimal string with two places: 123456 -> "1234.56", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{part:02d}"


NULL_TEXT = "\\N"
"""COPY text's NULL."""
FLOAT_FORMAT = "{:.6f}"
"""How a float renders: SQLite's ``printf('%.6f')``, PostgreSQL's ``round(x::numeric, 6)``."""
_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_escape(value: str) -> str:
    """COPY text's escapes: backslash, tab, newline, carriage return."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def value_text(value: object) -> str:
    """One canonical value (a tuple element: None, bool, int, float or str), as ``canonical_text`` renders it."""
    if value is None:
        return NULL_TEXT
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, float):
        return FLOAT_FORMAT.format(value)
    if isinstance(value, str):
        return copy_escape(value) if any(ch in value for ch in _SPECIAL) else value
    return str(value)


def canonical_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """Canonical tuples (None, bool, int, float, str) -> canonical lines: the slow, general path."""
    for row in rows:
        yield "\t".join(map(value_text, row)) + "\n"


def _column_text(record_type: str, name: str, values: np.ndarray) -> list[str]:
    key = (record_type, name)
    if key in BOOLEAN:
        out: list[str] = np.where(values == 1, "t", "f").tolist()
    elif values.dtype.kind == "f":
        out = [FLOAT_FORMAT.format(v) for v in values.tolist()]
    elif values.dtype == object:
        out = values.tolist()
        if any(ch in "".join(out) for ch in _SPECIAL):
            out = [copy_escape(v) for v in out]
    else:
        out = list(map(str, values.tolist()))
    if key in NULLABLE:
        for i in np.flatnonzero(values < 0).tolist():
            out[i] = NULL_TEXT
    return out


def canonical_text(record_type: str, columns: dict[str, np.ndarray]) -> str:
    """Engine columns (rows in natural-key order) -> the type's canonical text, whole columns at a time."""
    texts = [_column_text(record_type, name, columns[name]) for name in DIGEST_FIELDS[record_type]]
    if not texts or not texts[0]:
        return ""
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


class DatasetDigest:
    """Incremental digest: one sha256 per record type, fed rows in natural-key order (several calls per type are
    fine, types in any order); types never fed hash the empty text."""

    def __init__(self) -> None:
        self._hashes = {record_type: hashlib.sha256() for record_type in RECORD_TYPES}

    def add_text(self, record_type: str, data: bytes | memoryview) -> None:
        """Canonical text as bytes (a database's stream)."""
        self._hashes[record_type].update(data)

    def add_columns(self, record_type: str, columns: dict[str, np.ndarray]) -> None:
        """Engine columns (sentinels for NULL, int8 booleans)."""
        self._hashes[record_type].update(canonical_text(record_type, columns).encode())

    def add_rows(self, record_type: str, rows: Iterable[tuple]) -> None:
        """Canonical tuples in DIGEST_FIELDS order (see ``columns_rows``)."""
        update = self._hashes[record_type].update
        for line in canonical_lines(rows):
            update(line.encode())

    def type_digests(self) -> dict[str, str]:
        """Record type -> the sha256 of its canonical text."""
        return {record_type: h.hexdigest() for record_type, h in self._hashes.items()}

    def hexdigest(self) -> str:
        lines = "".join(f"{record_type}\t{hexdigest}\n" for record_type, hexdigest in self.type_digests().items())
        return hashlib.sha256(lines.encode()).hexdigest()


def columns_rows(record_type: str, columns: dict[str, np.ndarray]) -> Iterator[tuple]:
    """Engine columns -> canonical Python tuples (-1 -> None for nullable fields, booleans -> bool)."""
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
    """The digest of the whole dataset, computed from the engine alone, slot after slot (bounded memory)."""
    plan = build_plan(inputs)
    digest = DatasetDigest()
    digest.add_columns("owners", owner_columns(plan))
    for lo in range(0, plan.company_count, COMPANY_CHUNK):
        keys = np.arange(lo, min(lo + COMPANY_CHUNK, plan.company_count), dtype=np.int64)
        digest.add_columns("companies", company_columns(plan, keys))
    for slot in generate_dataset(inputs):
        for record_type in RECORD_TYPES[2:]:
            digest.add_columns(record_type, getattr(slot, record_type))
    return digest.hexdigest()
