"""Bulk writes of CRM rows behind one small interface: COPY on PostgreSQL, executemany elsewhere.

Both writers take columnar numpy batches (see simulations.batches), add the ``simulation_id`` column, and run
inside the caller's transaction. ``insert`` is for rows a locked slot writes exactly once; ``insert_missing``
is for rows several slots may offer (companies) and returns how many were new; ``update_state`` applies a
current-state change only where the stored ``stage_seq`` is lower (out-of-order batches converge).

Inserting is two steps, ``encode`` (columns -> what goes on the wire: COPY text, array literals or executemany
rows) and ``write`` (one statement). ``encode`` touches no database and no connection, so it may run in another
thread: the in-process driver encodes the next slot while PostgreSQL ingests this one (``materialize.prepare``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
from django.db import connection, models

from simulations.engine import NULLABLE as NULLABLE_FIELDS
from simulations.engine.digest import copy_escape
from simulations.materialize.batches import NULL, Columns

NULLABLE = {name for _, name in NULLABLE_FIELDS}
"""Columns whose -1 sentinel is written as NULL (closed_at, is_won, deal_key, employees, ...)."""


def _is_time(model: type[models.Model], name: str) -> bool:
    return isinstance(model._meta.get_field(name), models.DateTimeField)


def _is_bool(model: type[models.Model], name: str) -> bool:
    return isinstance(model._meta.get_field(name), models.BooleanField)


_COPY_SPECIAL = ("\\", "\t", "\n", "\r")


def _text_column(
    model: type[models.Model],
    name: str,
    values: np.ndarray,
    time_format: str,
    *,
    null: str | None = None,
    escape: bool = False,
) -> list[str | None]:
    """One column as database text, built with numpy and C-level list operations.

    ``time_format`` "sqlite" renders ``YYYY-MM-DD HH:MM:SS`` (Django's SQLite format), anything else
    ``YYYY-MM-DDTHH:MM:SS+00``. NULL becomes ``null`` (None for query parameters, ``\\N`` for COPY). With
    ``escape``, text columns are scanned once, joined, and escaped for COPY only when needed (engine pools never
    need it, so the slow path runs only for hand-made rows).
    """
    out: list[str | None]
    if _is_time(model, name):
        text = np.datetime_as_string(values.astype(np.int64).astype("datetime64[s]"), unit="s").tolist()
        # List comprehensions beat numpy's np.char functions (Python-level loops per element) by ~2x here.
        out = [t.replace("T", " ") for t in text] if time_format == "sqlite" else [t + "+00" for t in text]
    elif _is_bool(model, name):
        out = np.where(values == 1, "1", "0").tolist()
    elif values.dtype == object:
        out = values.tolist()
        joined = "".join(out) if escape else ""  # type: ignore[arg-type]
        if any(ch in joined for ch in _COPY_SPECIAL):
            out = [copy_escape(v) for v in out]  # type: ignore[arg-type]
    else:
        out = list(map(str, values.tolist()))  # str of Python ints/floats: what the digest prints, and fast
    if name in NULLABLE:
        is_null = np.asarray(values) == NULL
        if is_null.any():
            for i in np.flatnonzero(is_null).tolist():
                out[i] = null
    return out


def _rows(
    model: type[models.Model], simulation_id: int, columns: Columns, names: Sequence[str], time_format: str
) -> list[tuple[str | None, ...]]:
    texts = [_text_column(model, name, columns[name], time_format) for name in names]
    count = len(texts[0]) if texts else 0
    sim = str(simulation_id)
    return list(zip([sim] * count, *texts, strict=True))


def _column_sql(model: type[models.Model], names: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    fields = [cast(models.Field, model._meta.get_field(n)) for n in ("simulation", *names)]
    return ", ".join(quote(str(field.column)) for field in fields)


@dataclass(frozen=True)
class EncodedRows:
    """Rows of one table ready for one statement: ``payload`` is the writer's own (COPY text as bytes, the
    simulation id and one text[] literal per column, or executemany rows); ``missing`` marks rows several slots
    offer (inserted if absent)."""

    names: tuple[str, ...]
    count: int
    payload: Any
    missing: bool = False


class RowWriter(Protocol):
    def begin(self) -> None: ...

    def encode(
        self, model: type[models.Model], simulation_id: int, columns: Columns, *, missing: bool = False
    ) -> EncodedRows: ...

    def write(self, model: type[models.Model], rows: EncodedRows) -> int: ...

    def insert(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...

    def insert_missing(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...

    def update_state(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...


def _count(columns: Columns) -> int:
    names = list(columns)
    return len(columns[names[0]]) if names else 0


class GenericWriter:
    """executemany with ON CONFLICT DO NOTHING (SQLite >= 3.24 and PostgreSQL both speak it)."""

    time_format = "sqlite"

    def begin(self) -> None:
        """Called once at the start of a slot's transaction."""

    def encode(
        self, model: type[models.Model], simulation_id: int, columns: Columns, *, missing: bool = False
    ) -> EncodedRows:
        """executemany's rows (no database touched: may run in another thread)."""
        count = _count(columns)
        rows = _rows(model, simulation_id, columns, list(columns), self.time_format) if count else []
        return EncodedRows(tuple(columns), count, rows, missing)

    def write(self, model: type[models.Model], rows: EncodedRows) -> int:
        if rows.count == 0:
            return 0
        on_conflict = " ON CONFLICT DO NOTHING" if rows.missing else ""
        placeholders = ", ".join(["%s"] * (len(rows.names) + 1))
        sql = (
            f"INSERT INTO {model._meta.db_table} ({_column_sql(model, rows.names)}) "
            f"VALUES ({placeholders}){on_conflict}"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows.payload)
            return rows.count if not rows.missing else max(cursor.rowcount, 0)

    def insert(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        return self.write(model, self.encode(model, simulation_id, columns))

    def insert_missing(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        return self.write(model, self.encode(model, simulation_id, columns, missing=True))

    def update_state(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        names = [n for n in columns if n != "key"]
        if len(columns["key"]) == 0:
            return 0
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(n)} = %s" for n in names)
        sql = (
            f"UPDATE {model._meta.db_table} SET {assignments} "
            f"WHERE simulation_id = %s AND {quote('key')} = %s AND stage_seq < %s"
        )
        texts = [_text_column(model, n, columns[n], self.time_format) for n in names]
        keys = columns["key"].tolist()
        seqs = columns["stage_seq"].tolist()
        rows = [(*values, simulation_id, key, seq) for *values, key, seq in zip(*texts, keys, seqs, strict=True)]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        return len(rows)


def _copy_text(model: type[models.Model], simulation_id: int, columns: Columns, names: Sequence[str]) -> str:
    """COPY text format: one line per row, ``simulation_id`` first; no per-row Python beyond one ``join``."""
    texts = [_text_column(model, name, columns[name], "postgres", null="\\N", escape=True) for name in names]
    prefix = f"{simulation_id}\t"
    return prefix + ("\n" + prefix).join(map("\t".join, zip(*texts, strict=True))) + "\n"


def copy_text(model: type[models.Model], simulation_id: int, columns: Columns) -> str:
    """The rows of ``columns`` as PostgreSQL COPY text (``simulation_id`` first), as the writer sends them."""
    names = list(columns)
    if not names or len(columns[names[0]]) == 0:
        return ""
    return _copy_text(model, simulation_id, columns, names)


def copy_columns(model: type[models.Model], columns: Columns) -> str:
    """The column list of a COPY of ``columns`` into ``model``'s table."""
    return _column_sql(model, list(columns))


class PostgresCopyWriter(GenericWriter):
    """COPY ... FROM STDIN (psycopg 3): the fastest way into PostgreSQL short of a custom extension."""

    time_format = "postgres"

    def begin(self) -> None:
        # A slot's rows and its watermark commit together, so a commit lost in a database crash is simply
        # written again by the sweeper/dispatcher: waiting for the WAL flush buys nothing here.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def encode(
        self, model: type[models.Model], simulation_id: int, columns: Columns, *, missing: bool = False
    ) -> EncodedRows:
        """COPY text as bytes (encoded here, so the thread that writes only sends), or with ``missing`` one text[]
        literal per column. No database touched: may run in another thread."""
        names = tuple(columns)
        count = _count(columns)
        if count == 0:
            return EncodedRows(names, 0, None, missing)
        if missing:
            arrays = [_array_literal(_text_column(model, name, columns[name], self.time_format)) for name in names]
            return EncodedRows(names, count, [simulation_id, *arrays], missing)
        return EncodedRows(names, count, _copy_text(model, simulation_id, columns, names).encode(), missing)

    def write(self, model: type[models.Model], rows: EncodedRows) -> int:
        if rows.count == 0:
            return 0
        if rows.missing:
            return self._insert_missing(model, rows)
        statement = f"COPY {model._meta.db_table} ({_column_sql(model, rows.names)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(rows.payload)
        return rows.count

    def _insert_missing(self, model: type[models.Model], rows: EncodedRows) -> int:
        """One ``INSERT ... SELECT FROM unnest(text arrays) ON CONFLICT DO NOTHING``: one round trip, no staging
        table (whose per-slot TRUNCATE and ON COMMIT truncation cost file operations), rows in key order (so two
        slots offering the same companies lock them in the same order and cannot deadlock)."""
        names = rows.names
        fields = [model._meta.get_field(name) for name in names]
        aliases = [f"c{i}" for i in range(len(names))]
        casts = ", ".join(f"{a}::{f.db_type(connection)}" for a, f in zip(aliases, fields, strict=True))
        arrays = ", ".join(["%s::text[]"] * len(names))
        sql = (
            f"INSERT INTO {model._meta.db_table} ({_column_sql(model, names)}) "
            f"SELECT %s, {casts} FROM unnest({arrays}) AS u({', '.join(aliases)}) ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, rows.payload)
            return max(cursor.rowcount, 0)


def _array_literal(values: list[str | None]) -> str:
    """A PostgreSQL ``text[]`` literal, elements double-quoted (backslashes and quotes escaped), NULL bare.

    Sent as one text parameter and cast in SQL: psycopg's list adapter dumps an array element by element in
    Python, which was ~10% of a backfill's profile (the companies upsert, ~2,000 companies x 12 columns a slot).
    """
    has_null = None in values
    present = cast(list[str], [v for v in values if v is not None] if has_null else values)
    joined = "".join(present)
    if '"' in joined or "\\" in joined:
        values = [None if v is None else v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    if has_null:
        return "{" + ",".join("NULL" if v is None else f'"{v}"' for v in values) + "}"
    return '{"' + '","'.join(cast(list[str], values)) + '"}' if values else "{}"


def writer_for_connection() -> RowWriter:
    return PostgresCopyWriter() if connection.vendor == "postgresql" else GenericWriter()
