"""The raw SQL pieces the report's reads share, spelled for PostgreSQL and SQLite."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, models
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


def key_list(keys: list[int]) -> tuple[str, Any]:
    """(a FROM item ``k`` with one column ``key``, its one parameter) holding ``keys``: join it to read the rows of
    many keys in one query. An ``IN (...)`` list of thousands of keys is thousands of parameters, and on a freshly
    written, unanalyzed table PostgreSQL tests each row against the whole list (0.5 s for 10,000 keys); a join
    probes the (simulation, key) index once per key."""
    if connection.vendor == "postgresql":
        return "unnest(%s::bigint[]) AS k(key)", keys
    return "(SELECT value AS key FROM json_each(%s)) AS k", json.dumps(keys)
