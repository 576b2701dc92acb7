"""A slot's rows prepared for writing (generated, cut, encoded), and the look-ahead that overlaps it.

Preparing a slot is pure work: the engine's rows, the batch due for ``[since, until)`` and each table's encoded
payload. It touches no database, so ``SlotLookahead`` runs it for the next slots in a thread while the caller's
threads write earlier ones: psycopg releases the GIL while PostgreSQL ingests a COPY, and on two cores the encoding
and the ingestion then take turns on different CPUs instead of on one. The rows are the same either way;
``materialize_slot`` uses a prepared slot only when its slot, ``since`` and ``until`` are what it finds under the
slot's lock, and prepares again otherwise.

The look-ahead also remembers the companies its earlier slots committed and does not offer them again: a company
is offered by every slot that writes one of its contacts (five times on average in a B2B quarter), and each
offer costs the server an index probe and a conflict check. Only companies known to be in the database are
left out, so the rows, the counts of new rows and the digest are the same.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from crm.models import RECORD_MODELS
from crmsim.vocabulary import RECORD_TYPES
from simulations import engine
from simulations.materialize.batches import Batch, cut_batch
from simulations.materialize.writers import EncodedRows, RowWriter

SHARED = ("owners", "companies")
"""Rows several slots offer (inserted if absent, last in a slot's transaction); every other type is inserted."""


@dataclass(frozen=True)
class PreparedSlot:
    index: int
    since: int
    until: int
    batch: Batch
    encoded: dict[str, EncodedRows]
    """Record type -> its inserts, encoded for the writer."""

    def fits(self, index: int, since: int, until: int) -> bool:
        return (self.index, self.since, self.until) == (index, since, until)


def prepare_slot(
    *,
    inputs: engine.SimulationInputs,
    simulation_id: int,
    index: int,
    since: int,
    until: int,
    writer: RowWriter,
    committed_companies: np.ndarray | None = None,
) -> PreparedSlot:
    """Slot ``index``'s rows with simulated time in ``[since, until)``, encoded by ``writer``. Pure: no database.

    ``committed_companies``: sorted company keys already in the database, left out of the companies offered.
    """
    data = engine.generate_slot(engine.build_plan(inputs), index)
    batch = cut_batch(data, since, until)
    if committed_companies is not None and len(committed_companies):
        companies = batch.inserts["companies"]
        new = ~np.isin(companies["key"], committed_companies, assume_unique=True)
        batch.inserts["companies"] = {name: values[new] for name, values in companies.items()}
    encoded = {
        record_type: writer.encode(
            RECORD_MODELS[record_type], simulation_id, batch.inserts[record_type], missing=record_type in SHARED
        )
        for record_type in RECORD_TYPES
    }
    return PreparedSlot(index, since, until, batch, encoded)


@dataclass(frozen=True)
class SlotJob:
    """A slot to prepare: which one, and the range it is expected to write (its watermark as last read)."""

    index: int
    since: int


class SlotLookahead:
    """Prepares, in one background thread, the slot after the ones being written.

    ``take(position)`` returns the prepared ``jobs[position]`` and starts ``jobs[position + 1]``; with no jobs it
    returns None (the caller prepares inline) and starts no thread. The caller reports each slot it wrote with
    ``committed`` (after its transaction), so later slots leave out its companies. Both may be called from
    several writer threads (with two, taking positions p and p + 1, the slot p + 2 is being prepared: looking
    further ahead held more memory and gained nothing). Use as a context manager: leaving waits for a
    preparation still running (at most one slot's), so no thread outlives the caller.
    """

    def __init__(
        self,
        *,
        inputs: engine.SimulationInputs,
        simulation_id: int,
        until: int,
        writer: RowWriter,
        jobs: list[SlotJob],
    ) -> None:
        self._inputs, self._simulation_id, self._until, self._writer = inputs, simulation_id, until, writer
        self._jobs = jobs
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crmsim-prepare") if jobs else None
        self._ahead: dict[int, Future[PreparedSlot]] = {}
        self._lock = threading.Lock()
        self._companies = np.empty(0, dtype=np.int64)
        """Sorted keys of the companies the slots written so far offered: all in the database."""

    def _start(self, position: int) -> None:
        if self._pool is not None and position < len(self._jobs) and position not in self._ahead:
            job = self._jobs[position]
            self._ahead[position] = self._pool.submit(
                prepare_slot,
                inputs=self._inputs,
                simulation_id=self._simulation_id,
                index=job.index,
                since=job.since,
                until=self._until,
                writer=self._writer,
                committed_companies=self._companies,  # this array is never changed, only replaced
            )

    def take(self, position: int) -> PreparedSlot | None:
        if self._pool is None:
            return None
        with self._lock:
            self._start(position)
            self._start(position + 1)
            future = self._ahead.pop(position)
        return future.result()

    def committed(self, prepared: PreparedSlot | None) -> None:
        """``prepared``'s slot was written and its transaction has ended: its companies are in the database.

        Also true when ``materialize_slot`` did not use it (another writer had moved the watermark): the rows
        before the new watermark, and the companies offered with them, were committed by that writer.
        """
        if prepared is not None:
            with self._lock:
                self._companies = np.union1d(self._companies, prepared.batch.inserts["companies"]["key"])

    def __enter__(self) -> SlotLookahead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
