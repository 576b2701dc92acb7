"""Regenerate the ranges a drain sends next in a forked helper process, while this one sends.

Regenerating a range's events (the engine, then one JSON text per row) costs ~3.5 us of CPU an event, more than
the request that carries it to a receiver on the same network (~3 us an event in batches of 100): done in line,
a drain spends as long rendering as sending (docs/sinks.md, "Measured"). A drain knows which slots come next, so
``Lookahead.ahead`` asks a helper process (forked once, so it shares the process's plan and caches) to regenerate
them; ``events.events_for`` takes the result when the drain reaches that range. The events are the same function's
output, computed elsewhere: the same bytes, ids and order; the ledger, claims and ordering do not change.

Results travel packed (joined ids, joined payloads, the types as small indexes, the times as an array): a few
large objects to pickle instead of tens of thousands of tuples. Where ``fork`` is not available, or the helper
fails, ``events_for`` regenerates in line as before.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

import numpy as np

from simulations.delivery import events
from simulations.delivery.events import Event, RangeKey

logger = logging.getLogger(__name__)

Packed = tuple[str, bytes, tuple[str, ...], bytes, bytes]
"""(ids joined by newlines, payloads joined by newlines, the record types, each event's record type index as
uint8 bytes, each event's time as int64 bytes). Compact JSON has no raw newline, nor has an event id."""

DEPTH = 2
"""Ranges regenerated ahead of the one being sent."""


def pack(found: list[Event]) -> Packed:
    record_types = tuple(sorted({event.record_type for event in found}))
    index = {record_type: i for i, record_type in enumerate(record_types)}
    kinds = np.fromiter((index[event.record_type] for event in found), dtype=np.uint8, count=len(found))
    times = np.fromiter((event.occurred_at for event in found), dtype=np.int64, count=len(found))
    ids = "\n".join(event.id for event in found)
    return ids, b"\n".join(event.payload for event in found), record_types, kinds.tobytes(), times.tobytes()


def unpack(packed: Packed) -> list[Event]:
    ids, payloads, record_types, kinds, times = packed
    if not ids:
        return []
    which = np.frombuffer(kinds, dtype=np.uint8)
    names = np.array(record_types, dtype=object)[which].tolist()
    types = np.array([events.event_type(name) for name in record_types], dtype=object)[which].tolist()
    occurred = np.frombuffer(times, dtype=np.int64).tolist()
    rows = zip(ids.split("\n"), types, names, occurred, payloads.split(b"\n"), strict=True)
    return list(map(events.new_event, rows))


def _regenerate(key: RangeKey) -> Packed:
    """In the helper: one range's events, packed. (Promises copied from the parent at the fork would wait on
    futures this process never sees resolved: dropped first.)"""
    events.forget_expected()
    inputs, simulation_id, index, since, until = key
    return pack(events.events_for(inputs, simulation_id, index, since, until))


class Lookahead:
    """A helper process regenerating ranges ahead of a drain (a context manager; closing it stops the helper)."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.usable = "fork" in multiprocessing.get_all_start_methods()

    def ahead(self, keys: list[RangeKey]) -> None:
        """Ask for the first ``DEPTH`` of ``keys`` (the ranges this process will send next, in order)."""
        for key in keys[:DEPTH]:
            if not self.usable or events.known(key):
                continue
            try:
                if self.pool is None:
                    self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
                future = self.pool.submit(_regenerate, key)
            except (OSError, RuntimeError) as exc:
                logger.warning("regenerating ahead is off: %s", exc)
                self.usable = False
                return
            events.expect(key, _resolver(future))

    def close(self) -> None:
        events.forget_expected()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # at most the range in hand; the helper is reaped
            self.pool = None

    def __enter__(self) -> Lookahead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _resolver(future: Future[Packed]) -> events.Resolve:
    def resolve() -> list[Event] | None:
        try:
            return unpack(future.result())
        except Exception as exc:  # the helper died or failed: regenerate in line
            logger.warning("regenerating ahead failed, regenerating in line: %s", exc)
            return None

    return resolve
