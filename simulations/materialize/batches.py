"""Cut one slot's engine output into the batch due for a time range (pure numpy, no Django).

A slot is written in one or more steps. Step ``[since, until)`` writes every row whose simulated time falls in
that range; contacts and deals created in it are inserted with their state *as of* ``until``; contacts and deals
created earlier whose stage moved in the range get a state update carrying the event's ``seq``. A backfill is the
single step ``[window start, window end)``: every row is inserted with its final state and nothing is updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulations.engine.digest import DIGEST_FIELDS
from simulations.engine.slots import SlotData

Columns = dict[str, np.ndarray]
NULL = -1
"""Sentinel for NULL in integer and timestamp columns (closed_at, deal_key, is_won)."""

TIME_COLUMN = {
    "companies": "created_at",
    "contacts": "created_at",
    "deals": "created_at",
    "activities": "occurred_at",
    "lifecycle_events": "occurred_at",
    "deal_stage_events": "occurred_at",
}

STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("lifecycle_stage", "stage_seq"),
    "deals": ("dealstage", "stage_seq", "closed_at", "is_won"),
}


INSERT_COLUMNS: dict[str, tuple[str, ...]] = {
    record_type: (*DIGEST_FIELDS[record_type], *(("stage_seq",) if record_type in STATE_COLUMNS else ()))
    for record_type in DIGEST_FIELDS
}
"""Columns written per record type (crm model field names, without ``simulation``): the digest's fields plus
the ``stage_seq`` guard of current-state rows."""


@dataclass
class Batch:
    """Rows to insert per record type, state updates for earlier rows, and the slot's next due time."""

    inserts: dict[str, Columns] = field(default_factory=dict)
    updates: dict[str, Columns] = field(default_factory=dict)
    next_due: int | None = None
    """Simulated time of the slot's first row at or after ``until``; None when nothing is left."""

    def event_times(self) -> np.ndarray:
        """Simulated times of every inserted row (for lag measurement)."""
        parts = [cols[TIME_COLUMN[t]] for t, cols in self.inserts.items() if t != "companies" and cols]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _take(columns: Columns, mask: np.ndarray, names: tuple[str, ...]) -> Columns:
    return {name: columns[name][mask] for name in names if name in columns}


def _state_as_of(
    owner_keys: np.ndarray, event_keys: np.ndarray, event_seq: np.ndarray, event_to: np.ndarray, visible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each owner key, the (to_stage, seq) of its last visible event (events sorted by key, seq).

    Every owner has its seq-0 event at its own creation time, so an owner created before ``until`` always has
    one; the result for owners created later is meaningless and callers never use it.
    """
    keys, seq, to = event_keys[visible], event_seq[visible], event_to[visible]
    if len(keys) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    last = np.r_[keys[1:] != keys[:-1], True]
    last_keys = keys[last]
    position = np.minimum(np.searchsorted(last_keys, owner_keys), len(last_keys) - 1)
    return to[last][position], seq[last][position]


def cut_batch(data: SlotData, since: int, until: int) -> Batch:
    """The rows of ``data`` with simulated time in ``[since, until)``, contact/deal states as of ``until``."""
    batch = Batch()
    pending: list[np.int64] = []
    for record_type in ("companies", "activities", "lifecycle_events", "deal_stage_events", "contacts", "deals"):
        columns: Columns = getattr(data, record_type)
        times = columns[TIME_COLUMN[record_type]]
        in_range = (times >= since) & (times < until)
        later = times[times >= until]
        if record_type != "companies" and len(later):
            pending.append(later.min())
        if record_type == "companies":
            # A company is written with the first of its contacts that this step writes (it may belong to
            # another slot; the writer ignores one that exists already).
            contact_times = data.contacts["created_at"]
            referenced = data.contacts["company_key"][(contact_times >= since) & (contact_times < until)]
            in_range = np.isin(columns["key"], referenced)
        batch.inserts[record_type] = _take(columns, in_range, INSERT_COLUMNS[record_type])
    _contact_states(data, since, until, batch)
    _deal_states(data, since, until, batch)
    batch.next_due = int(min(pending)) if pending else None
    return batch


def _contact_states(data: SlotData, since: int, until: int, batch: Batch) -> None:
    events = data.lifecycle_events
    visible = events["occurred_at"] < until
    contacts = data.contacts
    to, seq = _state_as_of(contacts["key"], events["contact_key"], events["seq"], events["to_stage"], visible)
    created = contacts["created_at"]
    if len(to) == 0:
        to = np.empty(len(created), dtype=object)
        seq = np.zeros(len(created), dtype=np.int64)
    new = (created >= since) & (created < until)
    inserts = batch.inserts["contacts"]
    inserts["lifecycle_stage"] = to[new]
    inserts["stage_seq"] = seq[new]
    moved_keys = events["contact_key"][(events["occurred_at"] >= since) & visible]
    earlier = (created < since) & np.isin(contacts["key"], moved_keys)
    batch.updates["contacts"] = {
        "key": contacts["key"][earlier],
        "lifecycle_stage": to[earlier],
        "stage_seq": seq[earlier],
    }


def _deal_states(data: SlotData, since: int, until: int, batch: Batch) -> None:
    events = data.deal_stage_events
    visible = events["occurred_at"] < until
    deals = data.deals
    to, seq = _state_as_of(deals["key"], events["deal_key"], events["seq"], events["to_stage"], visible)
    if len(to) == 0:
        to = np.empty(len(deals["key"]), dtype=object)
        seq = np.zeros(len(deals["key"]), dtype=np.int64)
    closed = (deals["closed_at"] != NULL) & (deals["closed_at"] < until)
    closed_at = np.where(closed, deals["closed_at"], NULL)
    is_won = np.where(closed, deals["is_won"], NULL).astype(np.int8)
    created = deals["created_at"]
    new = (created >= since) & (created < until)
    inserts = batch.inserts["deals"]
    inserts["dealstage"], inserts["stage_seq"] = to[new], seq[new]
    inserts["closed_at"], inserts["is_won"] = closed_at[new], is_won[new]
    moved_keys = events["deal_key"][(events["occurred_at"] >= since) & visible]
    earlier = (created < since) & np.isin(deals["key"], moved_keys)
    batch.updates["deals"] = {
        "key": deals["key"][earlier],
        "dealstage": to[earlier],
        "stage_seq": seq[earlier],
        "closed_at": closed_at[earlier],
        "is_won": is_won[earlier],
    }
