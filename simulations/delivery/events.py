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
import operator
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any, NamedTuple, cast

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
    """One event. ``payload`` is its JSON object as UTF-8 bytes, rendered once when the slot's events are built
    (compact, the keys in the order of the module docstring); a request body is these payloads joined, signed and
    sent as is, so no request encodes text again. (A named tuple, built in C: a slot has tens of thousands of
    events, and a frozen dataclass cost more to build than the text.)"""

    id: str
    type: str
    record_type: str
    occurred_at: int
    payload: bytes

    @property
    def text(self) -> str:
        return self.payload.decode()

    @property
    def data(self) -> dict[str, Any]:
        """The row's export columns, read back from ``payload`` (only targets that map fields need them)."""
        data: dict[str, Any] = json.loads(self.payload)["data"]
        return data


new_event = cast("Callable[[tuple[str, str, str, int, bytes]], Event]", functools.partial(tuple.__new__, Event))
"""``Event`` from a tuple without the named tuple's Python-level ``__new__`` (a third of the build cost)."""

_encode_string = json.encoder.encode_basestring
"""The json module's C string encoder (``json.dumps(s, ensure_ascii=False)`` for one str, without the call cost)."""


def _with_nulls(texts: list[str], values: np.ndarray) -> list[str]:
    """``texts`` with ``null`` where ``values`` holds the NULL sentinel."""
    for i in np.flatnonzero(values == NULL).tolist():
        texts[i] = "null"
    return texts


@functools.cache
def _clock_parts() -> tuple[np.ndarray, np.ndarray]:
    """``"HH:MM:"`` for each minute of a day and ``"SSZ\"`` for each second of a minute (object arrays, built once)."""
    minutes = np.array([f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)], dtype=object)
    seconds = np.array([f'{s:02d}Z"' for s in range(60)], dtype=object)
    return minutes, seconds


def _timestamps(values: np.ndarray) -> list[str]:
    """Epoch seconds -> JSON strings ``"YYYY-MM-DDTHH:MM:SSZ"`` (``engine.format_timestamp``), NULL -> ``null``.

    Each part is looked up, not formatted: the dates of the few days spanned are formatted once, the time of day
    comes from two small tables, and the three parts are joined in C (``datetime_as_string`` plus a format per
    value cost ~6x as much)."""
    if not len(values):
        return []
    valid = values != NULL
    seconds_since_epoch = np.where(valid, values, values[valid][0] if valid.any() else 0).astype(np.int64)
    days = seconds_since_epoch // 86_400
    first = int(days.min())
    span = np.arange(first, int(days.max()) + 1).astype("datetime64[D]")
    dates = np.array([f'"{d}T' for d in np.datetime_as_string(span).tolist()], dtype=object)
    of_day = seconds_since_epoch - days * 86_400
    minutes, seconds = _clock_parts()
    parts = (dates[days - first].tolist(), minutes[of_day // 60].tolist(), seconds[of_day % 60].tolist())
    return _with_nulls(list(map("".join, zip(*parts, strict=True))), values)


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
    """``%``-template of one record type's event text; its slots: id (digits, dots and a record type: nothing to
    escape), occurred_at, then each column."""
    data = ",".join(f"{_encode_string(name)}:%s" for name in names)
    fixed = f'{{"id":"%s","type":{_encode_string(kind).replace("%", "%%")},"simulation":{int(simulation_id)},'
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
        occurred = _timestamps(times)
        time_column = TIME_COLUMN.get(record_type)
        texts = [
            occurred
            if name not in overrides and SOURCE_FIELDS.get(name, name) == time_column
            else _json_values(name, column)
            for name, column in zip(names, values, strict=True)
        ]
        kind = event_type(record_type)
        id_template = f"{simulation_id}.{record_type}." + ".".join(["%s"] * len(key_columns))
        ids = list(map(id_template.__mod__, zip(*key_columns, strict=True)))
        rows = map(_template(kind, simulation_id, names).__mod__, zip(ids, occurred, *texts, strict=True))
        payloads = list(map(str.encode, rows))
        events = list(map(new_event, zip(ids, repeat(kind), repeat(record_type), times.tolist(), payloads)))
        parts.append((times, rank, events))
    if not parts:
        return []
    times = np.concatenate([p[0] for p in parts])
    ranks = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
    sequence = np.concatenate([np.arange(len(p[0])) for p in parts])  # natural-key order within a type
    flat = [event for p in parts for event in p[2]]
    order = np.lexsort((sequence, ranks, times))
    return list(map(flat.__getitem__, order.tolist()))


@functools.lru_cache(maxsize=64)
def _slot_data(inputs: engine.SimulationInputs, index: int) -> engine.SlotData:
    return engine.generate_slot(engine.build_plan(inputs), index)


RangeKey = tuple[engine.SimulationInputs, int, int, int, int]
"""(inputs, simulation id, slot index, since, until): one range of one slot's events."""

_CACHED_RANGES = 64
_cached: dict[RangeKey, list[Event]] = {}


def events_for(inputs: engine.SimulationInputs, simulation_id: int, index: int, since: int, until: int) -> list[Event]:
    """``slot_events`` of slot ``index``, regenerated from the engine; cached per process (a slot's step is sent in
    several requests, each of which would otherwise regenerate it)."""
    key = (inputs, simulation_id, index, since, until)
    found = _cached.get(key)
    if found is None:
        found = slot_events(_slot_data(inputs, index), simulation_id, since, until)
        _cached[key] = found
        while len(_cached) > _CACHED_RANGES:
            del _cached[next(iter(_cached))]  # oldest first
    return found


def request_body(events: Sequence[Event]) -> bytes:
    """The request body ``{"events": [...]}`` (compact JSON, UTF-8): the events' payloads joined."""
    return b'{"events":[' + b",".join(map(_payload, events)) + b"]}"


def render(events: Sequence[Event]) -> str:
    """``request_body`` as text."""
    return request_body(events).decode()


_payload = operator.itemgetter(4)


def clear_caches() -> None:
    """Forget the regenerated slots and events of this process (benchmarks time a cold regeneration)."""
    _cached.clear()
    _slot_data.cache_clear()
