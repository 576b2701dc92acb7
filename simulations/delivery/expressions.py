"""SQL expressions the delivery queries need on both backends."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Func


class EpochToTimestamp(Func):
    """Epoch seconds -> a timestamp: PostgreSQL ``to_timestamp``, SQLite ``datetime(.., 'unixepoch')``."""

    output_field = models.DateTimeField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="to_timestamp", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="datetime(%(expressions)s, 'unixepoch')", **extra)
