from __future__ import annotations

import hashlib

import pytest

from simulations.engine import (
    DIGEST_FIELDS,
    ENGINE_VERSION,
    RECORD_TYPES,
    SLOT_SIZE,
    DatasetDigest,
    build_plan,
    engine_digest,
    format_amount,
    format_timestamp,
    generate_slot,
    slot_rows,
)

from .support import make_inputs


def test_timestamps_format_as_utc_seconds():
    assert format_timestamp(0) == "1970-01-01T00:00:00Z"
    assert format_timestamp(1_704_067_199) == "2023-12-31T23:59:59Z"


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0.00"), (5, "0.05"), (123456, "1234.56"), (100, "1.00"), (-5, "-0.05"), (100_000_000_000, "1000000000.00")],
)
def test_amounts_format_as_two_place_decimals(cents, text):
    assert format_amount(cents) == text


def test_the_canonical_form_is_headers_and_tab_separated_lines():
    digest = DatasetDigest()
    digest.add_rows(
        "deals",
        [
            (7, 7, 2, 1, "Acme - Pilot", "default", "closedwon", "newbusiness", 1.0, 123456, 86400, "", True, 86400, 0),
            (9, 9, 2, 1, "Acme - Seats", "default", "qualifiedtobuy", "existingbusiness", 0.4, 5, 172800, "", None,
             None, 60),
        ],
    )  # fmt: skip
    digest.add_rows("deal_contacts", [(7, 7, "champion", True), (7, 8, "decision_maker", False)])
    digest.add_rows(
        "activities", [(7000, "note", 7, None, 2, 1, "Budget discussed", "Spoke with Ann.", "", "", None, None, 1, "")]
    )
    day, minute = "1970-01-02T00:00:00Z", "1970-01-01T00:01:00Z"
    expected = (
        "#owners\n#companies\n#contacts\n#deals\n"
        f"7\t7\t2\t1\tAcme - Pilot\tdefault\tclosedwon\tnewbusiness\t1.0\t1234.56\t{day}\t\ttrue\t{day}\t"
        "1970-01-01T00:00:00Z\n"
        "9\t9\t2\t1\tAcme - Seats\tdefault\tqualifiedtobuy\texistingbusiness\t0.4\t0.05\t1970-01-03T00:00:00Z\t\t\t\t"
        f"{minute}\n"
        "#deal_contacts\n7\t7\tchampion\ttrue\n7\t8\tdecision_maker\tfalse\n"
        "#activities\n7000\tnote\t7\t\t2\t1\tBudget discussed\tSpoke with Ann.\t\t\t\t\t1970-01-01T00:00:01Z\t\n"
        "#lifecycle_events\n#deal_stage_events\n"
    )
    assert digest.hexdigest() == hashlib.sha256(expected.encode()).hexdigest()


def test_missing_and_empty_types_digest_alike_and_split_feeding_is_fine():
    a, b = DatasetDigest(), DatasetDigest()
    a.add_rows("contacts", [])
    a.add_rows("lifecycle_events", [(1, 0, "", "subscriber", 0)])
    b.add_rows("lifecycle_events", [])
    b.add_rows("lifecycle_events", [(1, 0, "", "subscriber", 0)])
    b.add_rows("deal_stage_events", [])
    assert a.hexdigest() == b.hexdigest()
    assert a.hexdigest() != DatasetDigest().hexdigest()
    empty = DatasetDigest()
    empty.add_rows("contacts", [])
    assert empty.hexdigest() == DatasetDigest().hexdigest()


def test_feeding_types_out_of_order_is_refused():
    digest = DatasetDigest()
    digest.add_rows("deals", [])
    with pytest.raises(ValueError):
        digest.add_rows("contacts", [])


def test_slot_rows_turn_sentinels_into_nulls_and_booleans():
    inputs = make_inputs(records=3000, days=90, seed=4)
    slot = generate_slot(build_plan(inputs), 0)
    deals = list(slot_rows(slot, "deals"))
    fields = DIGEST_FIELDS["deals"]
    won, closed_at = fields.index("is_won"), fields.index("closed_at")
    assert {row[won] for row in deals} == {True, False, None}
    assert all((row[closed_at] is None) == (row[won] is None) for row in deals)
    activities = list(slot_rows(slot, "activities"))
    for name in ("deal_key", "duration_seconds", "due_at"):
        position = DIGEST_FIELDS["activities"].index(name)
        assert {type(row[position]) for row in activities} == {int, type(None)}, name
    primary = DIGEST_FIELDS["deal_contacts"].index("is_primary")
    assert {row[primary] for row in slot_rows(slot, "deal_contacts")} == {True, False}
    for record_type in RECORD_TYPES:
        for row in slot_rows(slot, record_type):
            assert len(row) == len(DIGEST_FIELDS[record_type])
            assert all(type(v) in (int, str, bool, float, type(None)) for v in row)
            assert not any(isinstance(v, str) and ("\t" in v or "\n" in v) for v in row)


def test_rows_arrive_sorted_by_natural_key():
    slot = generate_slot(build_plan(make_inputs(records=3000, seed=8)), 1)
    for record_type in ("companies", "contacts", "deals", "activities"):
        keys = slot_rows(slot, record_type)
        keys = [row[0] for row in keys]
        assert keys == sorted(set(keys))
    for record_type in ("lifecycle_events", "deal_stage_events"):
        pairs = [row[:2] for row in slot_rows(slot, record_type)]
        assert pairs == sorted(set(pairs))


def test_the_engine_version_pins_the_dataset():
    """If this fails, the engine's output changed: bump ENGINE_VERSION and update the pinned digests."""
    assert (ENGINE_VERSION, SLOT_SIZE) == ("3", 1000)
    assert engine_digest(make_inputs("b2b", records=1500, seed=1)) == PINNED_B2B
    assert engine_digest(make_inputs("b2c", records=800, seed=1, distribution="business_hours")) == PINNED_B2C


PINNED_B2B = "9245a5ebb99daa4e81d62bb8334601cb435405caa8b97424069a896ecf560ff4"
PINNED_B2C = "06e73dddc610525ea7a0dcc5778ba70dd9df5eb8de055917051a9249b28a3f3e"
