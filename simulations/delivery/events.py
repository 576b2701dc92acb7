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
from collections.abc import Sequence
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
from django.db import models

from crm.models import NATURAL_ORDER, RECORD_MODELS
from simulations import engine
from simulations.materialize.batches import NULL, TIME_COLUMN
from simulations.reads.export import EXPORT_COLUMNS, SOURCE_FIELDS

STAGE_EVENT_TYPES = {
    "lifecycle_events": "contact.lifecycle_stage_changed",
    "deal_stage_events": "deal.stage_changed",
}

CREATION_STATE: dict[str, tuple[str, str, dict[str, str], tuple[str, ...]]] = {
    "contacts": ("lifecycle_events", "contact_key", {"lifecycle_stage": "to_stage", "lead_status": "lead_status"}, ()),
    "deals": (
        "deal_stage_events",
        "deal_key",
        {
            "dealstage": "to_stage",
            "probability": "probability",
            "close_date": "close_date",
            "lost_reason": "lost_reason",
        },
        ("closed_at", "is_won"),
    ),
}
"""Record type -> (its stage events, their owner key, column <- seq-0 event column, columns null at creation): a
contact's or deal's current-state columns as they were when it was created (the row in the database holds the
latest state)."""

STAGE_EVENT_STATE: dict[str, tuple[str, ...]] = {
    "lifecycle_events": ("lead_status",),
    "deal_stage_events": ("probability", "close_date", "lost_reason"),
}
"""State a stage event sets besides the stage (columns of the event rows that the export leaves out): a receiver
that follows a deal through its events learns its probability, expected close date and lost reason."""

BOOLEAN_COLUMNS = frozenset(
    field.name
    for model in RECORD_MODELS.values()
    for field in model._meta.get_fields()
    if isinstance(field, models.BooleanField)
)
"""``true``/``false`` in events (the engine holds them as 0/1, NULL while unknown): ``is_won``, ``is_primary``."""


def singular(record_type: str) -> str:
    if record_type.endswith("ies"):
        return record_type[:-3] + "y"
    return record_type[:-1] if record_type.endswith("s") else record_type


def event_type(record_type: str) -> str:
    return STAGE_EVENT_TYPES.get(record_type) or f"{singular(record_type)}.created"


class Event(NamedTuple):
    """One event. ``text`` is its JSON object, rendered once when the slot's events are built (compact, UTF-8,
    the keys in the order of the module docstring); a request body is these texts joined, signed and sent as is.
    (A named tuple: a slot has tens of thousands of events, and a frozen dataclass cost more to build than the
    text.)"""

    id: str
    type: str
    record_type: str
    occurred_at: int
    text: str

    @property
    def data(self) -> dict[str, Any]:
        """The row's export columns, read back from ``text`` (only targets that map fields need them)."""
        data: dict[str, Any] = json.loads(self.text)["data"]
        return data


_encode_string = json.encoder.encode_basestring
"""The json module's C string encoder (``json.dumps(s, ensure_ascii=False)`` for one str, without the call cost)."""


def _with_nulls(texts: list[str], values: np.ndarray) -> list[str]:
    """``texts`` with ``null`` where ``values`` holds the NULL sentinel."""
    for i in np.flatnonzero(values == NULL).tolist():
        texts[i] = "null"
    return texts


def _timestamps(values: np.ndarray) -> list[str]:
    """Epoch seconds -> JSON strings ``"YYYY-MM-DDTHH:MM:SSZ"`` (``engine.format_timestamp``), NULL -> ``null``."""
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s").tolist()
    return _with_nulls(list(map('"{}Z"'.format, text)), values)


def _json_values(column: str, values: np.ndarray) -> list[str]:
    """One column's values as JSON texts, vectorized per column: what ``json.dumps`` gives for the value the
    NDJSON export carries for the same row (time columns formatted, ``amount`` a decimal string, booleans
    ``true``/``false``, the NULL sentinel ``null`` in every integer column)."""
    if engine.is_time_field(column):
        return _timestamps(values)
    if column == "amount":
        return [f'"{engine.format_amount(v)}"' for v in values.tolist()]
    if column in BOOLEAN_COLUMNS:
        return _with_nulls(["true" if v else "false" for v in values.tolist()], values)
    if values.dtype.kind in "iu":
        return _with_nulls(list(map(str, values.tolist())), values)
    items = values.tolist()
    if set(map(type, items)) <= {str}:
        return list(map(_encode_string, items))
    return [json.dumps(v, ensure_ascii=False) for v in items]


def _template(kind: str, simulation_id: int, names: Sequence[str]) -> str:
    """``%``-template of one record type's event text; its slots: id, occurred_at, then each column."""
    data = ",".join(f"{_encode_string(name)}:%s" for name in names)
    fixed = f'{{"id":%s,"type":{_encode_string(kind).replace("%", "%%")},"simulation":{int(simulation_id)},'
    return fixed + f'"occurred_at":%s,"data":{{{data}}}}}'


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
        names = (*EXPORT_COLUMNS[record_type], *STAGE_EVENT_STATE.get(record_type, ()))
        values = [
            overrides[name] if name in overrides else columns[SOURCE_FIELDS.get(name, name)][mask] for name in names
        ]
        key_columns = [columns[k][mask].tolist() for k in NATURAL_ORDER[record_type]]
        times = _times(data, record_type)[mask]
        kind = event_type(record_type)
        prefix = f"{simulation_id}.{record_type}."
        ids = [prefix + ".".join(map(str, parts_)) for parts_ in zip(*key_columns, strict=True)]
        template = _template(kind, simulation_id, names)
        texts = [
            template % row
            for row in zip(
                [f'"{i}"' for i in ids],
                _timestamps(times),
                *(_json_values(name, column) for name, column in zip(names, values, strict=True)),
                strict=True,
            )
        ]
        events = list(map(Event, ids, repeat(kind), repeat(record_type), times.tolist(), texts))
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


def render(events: Sequence[Event]) -> str:
    """The request body ``{"events": [...]}`` (compact JSON, UTF-8 text): the events' texts joined."""
    return '{"events":[' + ",".join(event.text for event in events) + "]}"


def clear_caches() -> None:
    """Forget the regenerated slots and events of this process (benchmarks time a cold regeneration)."""
    events_for.cache_clear()
    _slot_data.cache_clear()
