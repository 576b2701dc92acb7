"""Bulk writes of CRM rows behind one small interface: COPY on PostgreSQL, executemany elsewhere.

Both writers take columnar numpy batches (see simulations.batches), add the ``simulation_id`` column, and run
inside the caller's transaction. ``insert`` is for rows a locked slot writes exactly once; ``insert_missing``
is for rows several slots may offer (companies) and returns how many were new; ``update_state`` applies a
current-state change only where the stored ``stage_seq`` is lower (out-of-order batches converge).
"""

from __future__ import annotations

from collections.abc import Sequence
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


class RowWriter(Protocol):
    def begin(self) -> None: ...

    def insert(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...

    def insert_missing(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...

    def update_state(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int: ...


class GenericWriter:
    """executemany with ON CONFLICT DO NOTHING (SQLite >= 3.24 and PostgreSQL both speak it)."""

    time_format = "sqlite"

    def begin(self) -> None:
        """Called once at the start of a slot's transaction."""

    def _insert(self, model: type[models.Model], simulation_id: int, columns: Columns, on_conflict: str) -> int:
        names = list(columns)
        if not names or len(columns[names[0]]) == 0:
            return 0
        rows = _rows(model, simulation_id, columns, names, self.time_format)
        placeholders = ", ".join(["%s"] * (len(names) + 1))
        sql = f"INSERT INTO {model._meta.db_table} ({_column_sql(model, names)}) VALUES ({placeholders}){on_conflict}"
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            return len(rows) if not on_conflict else max(cursor.rowcount, 0)

    def insert(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        return self._insert(model, simulation_id, columns, "")

    def insert_missing(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        return self._insert(model, simulation_id, columns, " ON CONFLICT DO NOTHING")

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

    def _copy(self, table: str, column_sql: str, text: str) -> None:
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
            copy.write(text)

    def insert(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        names = list(columns)
        if not names or len(columns[names[0]]) == 0:
            return 0
        self._copy(model._meta.db_table, _column_sql(model, names), _copy_text(model, simulation_id, columns, names))
        return len(columns[names[0]])

    def insert_missing(self, model: type[models.Model], simulation_id: int, columns: Columns) -> int:
        """One ``INSERT ... SELECT FROM unnest(text arrays) ON CONFLICT DO NOTHING``: one round trip, no staging
        table (whose per-slot TRUNCATE and ON COMMIT truncation cost file operations), rows in key order (so two
        slots offering the same companies lock them in the same order and cannot deadlock)."""
        names = list(columns)
        if not names or len(columns[names[0]]) == 0:
            return 0
        fields = [model._meta.get_field(name) for name in names]
        aliases = [f"c{i}" for i in range(len(names))]
        casts = ", ".join(f"{a}::{f.db_type(connection)}" for a, f in zip(aliases, fields, strict=True))
        arrays = ", ".join(["%s::text[]"] * len(names))
        sql = (
            f"INSERT INTO {model._meta.db_table} ({_column_sql(model, names)}) "
            f"SELECT %s, {casts} FROM unnest({arrays}) AS u({', '.join(aliases)}) ON CONFLICT DO NOTHING"
        )
        params: list[Any] = [
            simulation_id,
            *(_array_literal(_text_column(model, name, columns[name], self.time_format)) for name in names),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
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
