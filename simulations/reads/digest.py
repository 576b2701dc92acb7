"""The database digest: the engine's canonical sha256 (engine.digest), computed over a simulation's stored rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from crm.models import NATURAL_ORDER, RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.models import Simulation


def _epoch(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def digest_rows(simulation: Simulation, record_type: str, chunk_size: int = 20_000) -> Iterator[tuple]:
    """The canonical digest tuples of one record type, streamed from the database in natural-key order."""
    model = RECORD_MODELS[record_type]
    fields = list(engine.DIGEST_FIELDS[record_type])
    order = NATURAL_ORDER[record_type]
    times = [i for i, f in enumerate(fields) if f.endswith("_at")]
    queryset = model._default_manager.filter(simulation=simulation).order_by(*order).values_list(*fields)
    for row in queryset.iterator(chunk_size=chunk_size):
        values = list(row)
        for i in times:
            values[i] = _epoch(values[i])
        yield tuple(values)


def database_digest(simulation: Simulation) -> str:
    """sha256 over every CRM row of the simulation, in the engine's canonical form (see engine.digest).

    Equal to ``engine.engine_digest(inputs)`` for a completed simulation, whatever the backend, worker count,
    order or redelivery.
    """
    digest = engine.DatasetDigest()
    for record_type in RECORD_TYPES:
        digest.add_rows(record_type, digest_rows(simulation, record_type))
    return digest.hexdigest()
