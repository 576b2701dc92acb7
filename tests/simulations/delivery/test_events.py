"""Events regenerated from the engine: one per row, deterministic ids and content, a stable prefix, order."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import numpy as np
from standardwebhooks.webhooks import Webhook

from simulations import engine
from simulations.delivery.events import STAGE_EVENT_STATE, event_type, render, request_body, slot_events
from simulations.delivery.webhook import message_id, secret_error, signature
from simulations.reads.export import EXPORT_COLUMNS, SOURCE_FIELDS
from tests.simulations.engine.support import make_inputs

START = 1_767_225_600  # 2026-01-01
END = START + 90 * 86_400


def inputs() -> engine.SimulationInputs:
    return make_inputs("b2b", records=2500, days=90, seed=11, start=START)


def test_a_slot_has_one_event_per_row_it_owns_with_the_export_columns() -> None:
    plan = engine.build_plan(inputs())
    data = engine.generate_slot(plan, 0)
    events = slot_events(data, 7, START, END)
    by_type: dict[str, int] = {}
    for event in events:
        by_type[event.record_type] = by_type.get(event.record_type, 0) + 1
        assert tuple(event.data) == (*EXPORT_COLUMNS[event.record_type], *STAGE_EVENT_STATE.get(event.record_type, ()))
        assert event.type == event_type(event.record_type)
    for record_type in ("contacts", "deals", "activities", "lifecycle_events", "deal_stage_events"):
        assert by_type[record_type] == data.rows(record_type)
    assert 0 < by_type["companies"] <= data.rows("companies")
    assert len({e.id for e in events}) == len(events)


def test_every_company_is_emitted_by_exactly_one_slot() -> None:
    plan = engine.build_plan(inputs())
    slots = range(len(engine.count_plan(inputs()).first_event_at))
    ids = [e.id for k in slots for e in slot_events(engine.generate_slot(plan, k), 7, START, END)]
    companies = [i for i in ids if ".companies." in i]
    assert len(companies) == len(set(companies)) == engine.count_plan(inputs()).totals["companies"]


def test_events_are_in_time_order_and_a_range_is_a_prefix_of_a_longer_one() -> None:
    data = engine.generate_slot(engine.build_plan(inputs()), 1)
    whole = slot_events(data, 7, START, END)
    times = np.array([e.occurred_at for e in whole])
    assert (np.diff(times) >= 0).all()
    middle = START + (END - START) // 2
    part = slot_events(data, 7, START, middle)
    assert [e.id for e in part] == [e.id for e in whole[: len(part)]]
    assert [e.id for e in slot_events(data, 7, middle, END)] == [e.id for e in whole[len(part) :]]


def test_contacts_and_deals_carry_their_state_at_creation() -> None:
    data = engine.generate_slot(engine.build_plan(inputs()), 0)
    events = slot_events(data, 7, START, END)
    first_events = {
        (e.record_type, e.data.get("contact_key", e.data.get("deal_key"))): e.data
        for e in events
        if e.record_type in ("lifecycle_events", "deal_stage_events") and e.data["seq"] == 0
    }
    later_states = 0
    for event in events:
        if event.record_type == "deals":
            first = first_events[("deal_stage_events", event.data["key"])]
            assert event.data["closed_at"] is None and event.data["is_won"] is None
            assert event.data["dealstage"] == first["to_stage"] == "appointmentscheduled"
            assert not event.data["lost_reason"]  # an open deal has no lost reason, whatever becomes of it
            for name in ("probability", "close_date"):
                assert event.data[name] == first[name] is not None
            row = int(np.flatnonzero(data.deals["key"] == event.data["key"])[0])
            later_states += data.deals["lost_reason"][row] != ""
        if event.record_type == "contacts":
            first = first_events[("lifecycle_events", event.data["key"])]
            assert event.data["lifecycle_stage"] == first["to_stage"]
            assert event.data["lead_status"] == first["lead_status"]
        if event.record_type == "deal_stage_events" and event.data["to_stage"] == "closedlost":
            row = int(np.flatnonzero(data.deals["key"] == event.data["deal_key"])[0])
            assert event.data["lost_reason"] == data.deals["lost_reason"][row] and event.data["probability"] == 0
    assert later_states > 0  # the rows hold the deals' final states: the events must not


def test_the_same_events_always_get_the_same_webhook_id() -> None:
    data = engine.generate_slot(engine.build_plan(inputs()), 0)
    first = slot_events(data, 7, START, END)[:100]
    again = slot_events(engine.generate_slot(engine.build_plan(inputs()), 0), 7, START, END)[:100]
    assert first == again and message_id(first) == message_id(again)
    assert message_id(first) != message_id(first[:99])


def test_webhook_secrets_must_be_standard_webhooks_secrets() -> None:
    assert secret_error("whsec_" + "A" * 40) is None
    assert secret_error("whsec_") and secret_error("sk_live_x") and secret_error("whsec_!!!!")


def _reference_value(column: str, value: Any) -> Any:
    """What an event carries for a raw engine value (docs/sinks.md), written out independently of events.py."""
    if column.endswith("_at") or column == "close_date":
        return None if value == -1 else engine.format_timestamp(int(value))
    if column == "amount":
        return engine.format_amount(int(value))
    if column in ("is_won", "is_primary"):
        return None if value == -1 else bool(value)
    if isinstance(value, int):
        return None if value == -1 else value
    return value


CREATION_COLUMNS = {
    "contacts": {"lifecycle_stage", "lead_status"},
    "deals": {"dealstage", "probability", "close_date", "lost_reason", "closed_at", "is_won"},
}
"""Columns that carry the state at creation (checked by the test above), not the row's current value."""


def test_an_event_text_is_the_compact_json_of_its_row_and_a_body_joins_them() -> None:
    data = engine.generate_slot(engine.build_plan(inputs()), 0)
    events = slot_events(data, 7, START, END)
    seen: set[str] = set()
    for event in events:
        parsed = json.loads(event.text)
        assert list(parsed) == ["id", "type", "simulation", "occurred_at", "data"]
        assert json.dumps(parsed, ensure_ascii=False, separators=(",", ":")) == event.text
        assert (parsed["id"], parsed["type"], parsed["simulation"]) == (event.id, event.type, 7)
        assert parsed["occurred_at"] == engine.format_timestamp(event.occurred_at)
        if "key" not in EXPORT_COLUMNS[event.record_type]:
            continue
        columns = getattr(data, event.record_type)
        row = int(np.flatnonzero(columns["key"] == parsed["data"]["key"])[0])
        for name in EXPORT_COLUMNS[event.record_type]:
            if name not in CREATION_COLUMNS.get(event.record_type, ()):
                raw = columns[SOURCE_FIELDS.get(name, name)][row]
                value = raw.item() if isinstance(raw, np.generic) else raw
                assert parsed["data"][name] == _reference_value(name, value), (event.id, name)
        seen.add(event.record_type)
    assert {"owners", "companies", "contacts", "deals", "activities"} <= seen
    body = json.loads(render(events[:50]))
    assert body == {"events": [json.loads(e.text) for e in events[:50]]}
    assert any(not e.text.isascii() for e in events)  # names like "Zänker" travel as UTF-8, not \\u escapes


def test_the_signature_is_the_standard_webhooks_one_of_the_body() -> None:
    events = slot_events(engine.generate_slot(engine.build_plan(inputs()), 0), 7, START, END)
    body = request_body(events)
    assert not body.isascii() and body.decode() == render(events)
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    expected = Webhook(secret).sign("msg_1", dt.datetime.fromtimestamp(1_767_225_600, dt.UTC), body.decode())
    assert signature(bytes(range(32)), "msg_1", 1_767_225_600, body) == expected
    assert signature(bytes(range(32)), "msg_1", 1_767_225_601, body) != expected
