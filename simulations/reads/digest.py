"""The database digest: the engine's canonical sha256 (engine.digest), computed over a simulation's stored rows.

The database renders the canonical text itself, so no row becomes a Python object:

- PostgreSQL: per record type one ``COPY (SELECT <fields> ... ORDER BY <natural key>) TO STDOUT``, its
  blocks fed straight into the type's hash. COPY's text format *is* the canonical form once timestamps are
  selected as epoch seconds and floats rounded to six places; the natural-key unique index delivers the order
  (sorting is switched off for the statement: a table just filled has no statistics, and the planner would
  otherwise sort hundreds of megabytes on disk).
- SQLite: one SELECT per type that builds each canonical line in SQL (one ``printf`` per row, ``unixepoch``);
  Python joins the fetched lines (as UTF-8 bytes, never decoded) and hashes them. COPY's escapes are rare (a
  backslash, tab, newline or carriage return in a text value), and testing every value for them cost as much as
  building the line, so the line is built raw and proven not to need them: its count of tabs and newlines is
  exactly the separators', it has no carriage return, and a text value holding a backslash marks its line with
  one (one ``instr`` per value). Rows of a chunk that fails are rendered again with the escapes
  (``replace``), so the text hashed is the canonical text either way.

Equal to ``engine.engine_digest(inputs)`` for a completed simulation, whatever the backend, worker count,
order or redelivery: tests compare the three.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, cast

from django.db import connection, models, transaction

from crm.models import NATURAL_ORDER, RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.models import Simulation

FETCH_ROWS = 20_000
"""SQLite: lines fetched and hashed per round."""
_PLANNER = ("enable_sort", "enable_bitmapscan")
"""PostgreSQL: switched off for the digest's statements, so the natural-key index delivers the order."""


def _fields(record_type: str) -> list[models.Field]:
    model = RECORD_MODELS[record_type]
    return [cast(models.Field, model._meta.get_field(name)) for name in engine.DIGEST_FIELDS[record_type]]


def _order_sql(record_type: str) -> str:
    model = RECORD_MODELS[record_type]
    fields = [cast(models.Field, model._meta.get_field(name)) for name in NATURAL_ORDER[record_type]]
    return ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)


def _select(record_type: str, values: str, placeholder: str = "%s") -> str:
    """``SELECT values FROM <table> WHERE simulation_id = %s ORDER BY <natural key>``; every name interpolated
    comes from the models (quoted), the simulation id is a parameter (``?`` for SQLite's own cursor)."""
    table = connection.ops.quote_name(RECORD_MODELS[record_type]._meta.db_table)
    where = f"WHERE simulation_id = {placeholder} ORDER BY"
    return " ".join(["SELECT", values, "FROM", table, where, _order_sql(record_type)])


def _postgres_value(field: models.Field) -> str:
    column = connection.ops.quote_name(str(field.column))
    if isinstance(field, models.DateTimeField):
        return f"date_part('epoch', {column})::bigint"
    if isinstance(field, models.FloatField):
        return f"round({column}::numeric, 6)"
    return column  # COPY renders integers, t/f, text (escaped) and NULL (\N) canonically


def _sqlite_value(field: models.Field, *, escaped: bool = True) -> str:
    column = connection.ops.quote_name(str(field.column))
    if isinstance(field, models.BooleanField):
        return f"CASE {column} WHEN 1 THEN 't' WHEN 0 THEN 'f' ELSE '\\N' END"
    if isinstance(field, models.DateTimeField):
        value = f"unixepoch({column})"
    elif isinstance(field, models.FloatField):
        value = f"CASE WHEN {column} IS NULL THEN NULL ELSE printf('%.6f', {column}) END"
    elif _is_text(field) and escaped:
        value = column
        for char, escape in (("'\\'", "'\\\\'"), ("char(9)", "'\\t'"), ("char(10)", "'\\n'"), ("char(13)", "'\\r'")):
            value = f"replace({value}, {char}, {escape})"
    else:
        value = column
    return f"coalesce({value}, '\\N')"


def _is_text(field: models.Field) -> bool:
    return isinstance(field, (models.CharField, models.TextField))


def _sqlite_line(record_type: str, *, escaped: bool) -> str:
    """One canonical line per row, built by one ``printf``. Raw (``escaped=False``): text values as stored, and a
    carriage return appended to the line when one of them holds a backslash (so the line fails its check)."""
    fields = _fields(record_type)
    values = [_sqlite_value(field, escaped=escaped) for field in fields]
    pattern = "%s" + "\t%s" * (len(values) - 1)
    if not escaped:
        texts = [connection.ops.quote_name(str(field.column)) for field in fields if _is_text(field)]
        if texts:
            marked = " OR ".join(f"instr({column}, '\\')" for column in texts)
            values.append(f"CASE WHEN {marked} THEN char(13) ELSE '' END")
            pattern += "%s"
    return f"printf('{pattern}', {', '.join(values)})"


def _postgres_digest(simulation_id: int) -> engine.DatasetDigest:
    digest = engine.DatasetDigest()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in _PLANNER:
            cursor.execute(f"SET LOCAL {setting} = off")
        for record_type in RECORD_TYPES:
            values = ", ".join(_postgres_value(field) for field in _fields(record_type))
            statement = " ".join(["COPY (", _select(record_type, values), ") TO STDOUT"])
            with cursor.cursor.copy(statement, [simulation_id]) as copy:
                for block in copy:
                    digest.add_text(record_type, block)
        # Inside a caller's transaction SET LOCAL would outlive this savepoint (a rollback undoes it by itself).
        for setting in _PLANNER:
            cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
    return digest


def _sqlite_digest(simulation_id: int) -> engine.DatasetDigest:
    digest = engine.DatasetDigest()
    with _sqlite_cursor() as cursor:
        for record_type in RECORD_TYPES:
            separators = len(_fields(record_type)) - 1
            cursor.execute(_select(record_type, _sqlite_line(record_type, escaped=False), "?"), [simulation_id])
            done = 0
            while rows := cursor.fetchmany(FETCH_ROWS):
                text = b"\n".join([row[0] for row in rows]) + b"\n"
                if b"\r" in text or text.count(b"\n") != len(rows) or text.count(b"\t") != separators * len(rows):
                    text = _escaped_lines(record_type, simulation_id, done, len(rows))
                digest.add_text(record_type, text)
                done += len(rows)
    return digest


def _escaped_lines(record_type: str, simulation_id: int, offset: int, count: int) -> bytes:
    """Rows ``offset .. offset + count`` of the type in natural-key order, rendered with COPY's escapes."""
    statement = _select(record_type, _sqlite_line(record_type, escaped=True), "?") + " LIMIT ? OFFSET ?"
    with _sqlite_cursor() as cursor:
        cursor.execute(statement, [simulation_id, count, offset])
        return b"".join(row[0] + b"\n" for row in cursor.fetchall())


@contextlib.contextmanager
def _sqlite_cursor() -> Iterator[Any]:
    """A cursor of the ``sqlite3`` connection itself that hands text back as its UTF-8 bytes (no decoding to str
    and encoding back to hash it); the connection's text factory is restored after."""
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.text_factory
    raw.text_factory = bytes
    cursor = raw.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
        raw.text_factory = previous


def database_type_digests(simulation: Simulation) -> dict[str, str]:
    """Record type -> sha256 of its canonical text as stored (which type differs, when digests differ)."""
    return _database_digest(simulation.pk).type_digests()


def _database_digest(simulation_id: int) -> engine.DatasetDigest:
    if connection.vendor == "postgresql":
        return _postgres_digest(simulation_id)
    return _sqlite_digest(simulation_id)


def database_digest(simulation: Simulation) -> str:
    """sha256 over every CRM row of the simulation, in the engine's canonical form (see engine.digest)."""
    return _database_digest(simulation.pk).hexdigest()
