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
    "deal_contacts": "associated_at",
    "activities": "occurred_at",
    "lifecycle_events": "occurred_at",
    "deal_stage_events": "occurred_at",
}

STATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("lifecycle_stage", "lead_status", "stage_seq"),
    "deals": ("dealstage", "probability", "close_date", "lost_reason", "stage_seq", "closed_at", "is_won"),
}
"""Current-state columns, set by the latest event (its hidden columns carry lead_status, probability,
close_date and lost_reason)."""


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
        parts = [
            cols[TIME_COLUMN[t]]
            for t, cols in self.inserts.items()
            if t not in ("owners", "companies", "deal_contacts") and cols
        ]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _take(columns: Columns, mask: np.ndarray, names: tuple[str, ...]) -> Columns:
    return {name: columns[name][mask] for name in names if name in columns}


def _last_visible(owner_keys: np.ndarray, event_keys: np.ndarray, visible: np.ndarray) -> np.ndarray | None:
    """For each owner key, the index of its last visible event (events sorted by key, seq); None if no event is
    visible.

    Every owner has its seq-0 event at its own creation time, so an owner created before ``until`` always has
    one; the result for owners created later is meaningless and callers never use it.
    """
    positions = np.flatnonzero(visible)
    if positions.size == 0:
        return None
    keys = event_keys[positions]
    last = np.r_[keys[1:] != keys[:-1], True]
    last_keys = keys[last]
    found = np.minimum(np.searchsorted(last_keys, owner_keys), len(last_keys) - 1)
    return positions[last][found]


def cut_batch(data: SlotData, since: int, until: int) -> Batch:
    """The rows of ``data`` with simulated time in ``[since, until)``, contact/deal states as of ``until``."""
    batch = Batch()
    pending: list[np.int64] = []
    for record_type in (
        "companies",
        "activities",
        "lifecycle_events",
        "deal_stage_events",
        "deal_contacts",
        "contacts",
        "deals",
    ):
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
    # The team is offered with every step that writes contacts (every slot has some), so it exists as soon
    # as anything refers to it.
    offer = len(batch.inserts["contacts"]["key"]) > 0
    batch.inserts["owners"] = _take(data.owners, np.full(data.rows("owners"), offer), INSERT_COLUMNS["owners"])
    _contact_states(data, since, until, batch)
    _deal_states(data, since, until, batch)
    batch.next_due = int(min(pending)) if pending else None
    return batch


def _state(
    owner_keys: np.ndarray, events: Columns, key: str, visible: np.ndarray, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Per owner, ``names`` from its last visible event (``stage_seq`` from its seq, the stage from to_stage)."""
    position = _last_visible(owner_keys, events[key], visible)
    state: dict[str, np.ndarray] = {}
    for name in names:
        source = {"stage_seq": "seq", "lifecycle_stage": "to_stage", "dealstage": "to_stage"}.get(name, name)
        column = events[source]
        state[name] = column[position] if position is not None else np.zeros(len(owner_keys), dtype=column.dtype)
    return state


def _contact_states(data: SlotData, since: int, until: int, batch: Batch) -> None:
    events = data.lifecycle_events
    visible = events["occurred_at"] < until
    contacts = data.contacts
    state = _state(contacts["key"], events, "contact_key", visible, STATE_COLUMNS["contacts"])
    created = contacts["created_at"]
    new = (created >= since) & (created < until)
    inserts = batch.inserts["contacts"]
    for name, values in state.items():
        inserts[name] = values[new]
    moved_keys = events["contact_key"][(events["occurred_at"] >= since) & visible]
    earlier = (created < since) & np.isin(contacts["key"], moved_keys)
    batch.updates["contacts"] = {"key": contacts["key"][earlier], **{n: v[earlier] for n, v in state.items()}}


def _deal_states(data: SlotData, since: int, until: int, batch: Batch) -> None:
    events = data.deal_stage_events
    visible = events["occurred_at"] < until
    deals = data.deals
    state = _state(deals["key"], events, "deal_key", visible, ("dealstage", "probability", "close_date", "lost_reason"))
    state["stage_seq"] = _state(deals["key"], events, "deal_key", visible, ("stage_seq",))["stage_seq"]
    closed = (deals["closed_at"] != NULL) & (deals["closed_at"] < until)
    state["closed_at"] = np.where(closed, deals["closed_at"], NULL)
    state["is_won"] = np.where(closed, deals["is_won"], NULL).astype(np.int8)
    created = deals["created_at"]
    new = (created >= since) & (created < until)
    inserts = batch.inserts["deals"]
    for name in STATE_COLUMNS["deals"]:
        inserts[name] = state[name][new]
    moved_keys = events["deal_key"][(events["occurred_at"] >= since) & visible]
    earlier = (created < since) & np.isin(deals["key"], moved_keys)
    batch.updates["deals"] = {"key": deals["key"][earlier], **{n: state[n][earlier] for n in STATE_COLUMNS["deals"]}}
