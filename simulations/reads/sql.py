"""The raw SQL pieces the report's reads share, spelled for PostgreSQL and SQLite, what a second connection
to the same database can see, and the work of a thread that opens its own."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection, connections, models
from django.db.models import Func


def epoch(column: str) -> str:
    """Epoch seconds of a stored timestamp column."""
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {column})"
    return f"unixepoch({column})"


class EpochSeconds(Func):
    """A timestamp column as epoch seconds (float; NULL stays NULL), for reads of many rows: a number costs a
    fraction of what building a datetime does per row."""

    output_field = models.FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)", **extra)


def table(model: type[Any]) -> str:
    """The model's table, quoted."""
    return str(connection.ops.quote_name(model._meta.db_table))


def key_in(column: str, keys: list[int]) -> tuple[str, Any]:
    """(an SQL condition "``column`` is one of ``keys``", its one parameter): read the rows of many keys in one
    query. An ``IN (...)`` list of thousands of keys is thousands of parameters, and on a freshly written,
    unanalyzed table PostgreSQL tests each row against the whole list (0.5 s for 10,000 keys); a subquery over one
    array parameter is hashed (PostgreSQL) or probes the index once per key (SQLite; a join to ``json_each`` made
    SQLite scan the list for every row instead: 11 s)."""
    if connection.vendor == "postgresql":
        return " ".join([column, "IN (SELECT unnest(%s::bigint[]))"]), keys
    return " ".join([column, "IN (SELECT value FROM json_each(%s))"]), json.dumps(keys)


def second_connection_sees_all() -> bool:
    """Whether another connection (another thread's) sees every row this one sees: not inside a transaction (its
    rows are this connection's until commit), and a database others can open: PostgreSQL or an SQLite file (WAL:
    readers never wait), not an in-memory SQLite database (private to its connection, or one shared cache)."""
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        return not connection.is_in_memory_db()  # type: ignore[attr-defined]
    return connection.vendor == "postgresql"


T = TypeVar("T")


def closing_connections(work: Callable[[], T]) -> Callable[[], T]:
    """``work`` for a thread of its own: Django gives every thread its own connections and nothing else closes
    them, so the returned function closes them when ``work`` returns or raises (the thread ends with it)."""

    @functools.wraps(work)
    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    return run
