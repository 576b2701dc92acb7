"""A slot's events for a range of simulated time: regenerated from the engine, so nothing is stored per event.

One event per CRM row the slot writes, of every record type the export defines (``export.EXPORT_COLUMNS``), so
a record type added to the export flows through without changes here::

    {"id": "42.contacts.1017", "type": "contact.created", "simulation": 42,
     "occurred_at": "2025-03-04T10:15:00Z", "data": {<the row's export columns>}}

- ``type`` is ``<singular record type>.created``; stage events are ``contact.lifecycle_stage_changed`` and
  ``deal.stage_changed`` (they are the current-state updates of contacts and deals).
- ``id`` is ``<simulation>.<record type>.<natural key>`` (key parts joined by ``.``): a redelivery carries the
  same id, so receivers deduplicate on it.
- ``data`` of a contact or deal carries its state at creation (its first stage; a deal is open), so an event's
  content never depends on when it was delivered; later states arrive as the stage events.
- Order: by simulated time, then record-type order (companies, contacts, deals, ... so a record's creation
  precedes its stage events at the same second), then natural key. A slot holds a lead's contact, deals,
  activities and stage events, so per record the order holds across requests too.
- A company is emitted by the slot that holds its first member (its ``created_at`` is that member's arrival),
  not by every slot that references it.

Events sorted this way have a stable prefix: the events of ``[since, t1)`` are the first events of
``[since, t2)`` for any ``t2 >= t1``. ``SlotDelivery``'s (since, offset) watermark relies on it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crm.models import NATURAL_ORDER
from simulations import engine
from simulations.materialize.batches import NULL, TIME_COLUMN
from simulations.reads.export import EXPORT_COLUMNS, SOURCE_FIELDS

STAGE_EVENT_TYPES = {
    "lifecycle_events": "contact.lifecycle_stage_changed",
    "deal_stage_events": "deal.stage_changed",
}

CREATION_STATE: dict[str, tuple[str, str, dict[str, str], tuple[str, ...]]] = {
    "contacts": ("lifecycle_events", "contact_key", {"lifecycle_stage": "to_stage"}, ()),
    "deals": ("deal_stage_events", "deal_key", {"dealstage": "to_stage"}, ("closed_at", "is_won")),
}
"""Record type -> (its stage events, their owner key, column <- seq-0 event column, columns null at creation)."""

BOOLEAN_COLUMNS = {"is_won"}


def singular(record_type: str) -> str:
    if record_type.endswith("ies"):
        return record_type[:-3] + "y"
    return record_type[:-1] if record_type.endswith("s") else record_type


def event_type(record_type: str) -> str:
    return STAGE_EVENT_TYPES.get(record_type) or f"{singular(record_type)}.created"


@dataclass(frozen=True)
class Event:
    """One event; ``body`` is its JSON text (rendered once, signed and sent as is)."""

    id: str
    type: str
    record_type: str
    occurred_at: int
    data: dict[str, Any]

    def to_json(self, simulation_id: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "simulation": simulation_id,
            "occurred_at": engine.format_timestamp(self.occurred_at),
            "data": self.data,
        }


def _converter(column: str) -> Callable[[Any], Any]:
    if column.endswith("_at"):
        return lambda v: None if v == NULL else engine.format_timestamp(int(v))
    if column == "amount":
        return engine.format_amount
    if column in BOOLEAN_COLUMNS:
        return lambda v: None if v == NULL else bool(v)
    if column.endswith("_key"):
        return lambda v: None if v == NULL else int(v)
    return lambda v: v.item() if isinstance(v, np.generic) else v


def _times(data: engine.SlotData, record_type: str) -> np.ndarray:
    """Each row's simulated time. The sales team has none of its own: slot 0 (the first leads to arrive) emits it
    at its first contact's arrival, before anything refers to it; other slots emit no owners."""
    if record_type == "owners":
        first = int(data.contacts["created_at"].min()) if data.slot == 0 and data.rows("contacts") else -1
        return np.full(data.rows("owners"), first, dtype=np.int64)
    return getattr(data, record_type)[TIME_COLUMN[record_type]]


def _in_range(data: engine.SlotData, record_type: str, since: int, until: int) -> np.ndarray:
    columns = getattr(data, record_type)
    times = _times(data, record_type)
    mask = (times >= since) & (times < until)
    if record_type == "companies":
        # Owned by this slot: one of its contacts arrives at the company's created_at (its first member).
        contacts = data.contacts
        owned = set(zip(contacts["company_key"].tolist(), contacts["created_at"].tolist(), strict=True))
        pairs = zip(columns["key"].tolist(), times.tolist(), strict=True)
        mask &= np.fromiter(((k, t) in owned for k, t in pairs), dtype=bool, count=len(times))
    return mask


def _creation_columns(data: engine.SlotData, record_type: str, mask: np.ndarray) -> dict[str, np.ndarray]:
    if record_type not in CREATION_STATE:
        return {}
    events_type, owner_key, from_event, nulls = CREATION_STATE[record_type]
    events = getattr(data, events_type)
    first = events["seq"] == 0
    keys = getattr(data, record_type)["key"][mask]
    position = np.searchsorted(events[owner_key][first], keys)
    out = {column: events[source][first][position] for column, source in from_event.items()}
    out.update({column: np.full(len(keys), NULL, dtype=np.int64) for column in nulls})
    return out


def slot_events(data: engine.SlotData, simulation_id: int, since: int, until: int) -> list[Event]:
    """The events of one slot's rows with simulated time in ``[since, until)``, in delivery order."""
    parts: list[tuple[np.ndarray, int, list[Event]]] = []
    for rank, record_type in enumerate(EXPORT_COLUMNS):
        if not hasattr(data, record_type):
            continue
        columns = getattr(data, record_type)
        mask = _in_range(data, record_type, since, until)
        if not mask.any():
            continue
        overrides = _creation_columns(data, record_type, mask)
        names = EXPORT_COLUMNS[record_type]
        values = [
            overrides[name] if name in overrides else columns[SOURCE_FIELDS.get(name, name)][mask] for name in names
        ]
        converted = [list(map(_converter(name), column.tolist())) for name, column in zip(names, values, strict=True)]
        key_columns = [columns[k][mask].tolist() for k in NATURAL_ORDER[record_type]]
        times = _times(data, record_type)[mask]
        kind = event_type(record_type)
        prefix = f"{simulation_id}.{record_type}."
        rows = [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]
        keys = [".".join(map(str, parts_)) for parts_ in zip(*key_columns, strict=True)]
        events = [
            Event(prefix + key, kind, record_type, int(t), row)
            for key, t, row in zip(keys, times.tolist(), rows, strict=True)
        ]
        parts.append((times, rank, events))
    if not parts:
        return []
    times = np.concatenate([p[0] for p in parts])
    ranks = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
    sequence = np.concatenate([np.arange(len(p[0])) for p in parts])  # natural-key order within a type
    flat = [event for p in parts for event in p[2]]
    order = np.lexsort((sequence, ranks, times))
    return [flat[i] for i in order.tolist()]


@functools.lru_cache(maxsize=64)
def _slot_data(inputs: engine.SimulationInputs, index: int) -> engine.SlotData:
    return engine.generate_slot(engine.build_plan(inputs), index)


@functools.lru_cache(maxsize=64)
def events_for(inputs: engine.SimulationInputs, simulation_id: int, index: int, since: int, until: int) -> list[Event]:
    """``slot_events`` of slot ``index``, regenerated from the engine; cached per process (a slot's step is sent in
    several requests, each of which would otherwise regenerate it)."""
    return slot_events(_slot_data(inputs, index), simulation_id, since, until)


def render(events: Sequence[Event], simulation_id: int) -> str:
    """The request body ``{"events": [...]}`` (compact JSON, UTF-8 text)."""
    return json.dumps(
        {"events": [event.to_json(simulation_id) for event in events]}, ensure_ascii=False, separators=(",", ":")
    )
