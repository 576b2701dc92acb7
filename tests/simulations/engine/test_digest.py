from __future__ import annotations

import hashlib

import numpy as np
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


def test_the_canonical_form_is_copy_text_lines_hashed_per_type():
    digest = DatasetDigest()
    digest.add_rows(
        "deals",
        [
            (7, 7, 2, 1, "Acme - Pilot", "default", "closedwon", "newbusiness", 1.0, 123456, 86400, "", True, 86400, 0),
            (9, 9, 2, 1, "Acme\tSeats\\2", "default", "qualifiedtobuy", "existingbusiness", 0.4, 5, 172800, "", None,
             None, 60),
        ],
    )  # fmt: skip
    digest.add_rows("deal_contacts", [(7, 7, "champion", True), (7, 8, "decision_maker", False)])
    digest.add_rows(
        "activities", [(7000, "note", 7, None, 2, 1, "Budget discussed", "Ann:\nyes.", "", "", None, None, 1, "")]
    )
    texts = {record_type: "" for record_type in RECORD_TYPES}
    texts["deals"] = (
        "7\t7\t2\t1\tAcme - Pilot\tdefault\tclosedwon\tnewbusiness\t1.000000\t123456\t86400\t\tt\t86400\t0\n"
        "9\t9\t2\t1\tAcme\\tSeats\\\\2\tdefault\tqualifiedtobuy\texistingbusiness\t0.400000\t5\t172800\t\t\\N\t\\N\t60\n"
    )
    texts["deal_contacts"] = "7\t7\tchampion\tt\n7\t8\tdecision_maker\tf\n"
    texts["activities"] = "7000\tnote\t7\t\\N\t2\t1\tBudget discussed\tAnn:\\nyes.\t\t\t\\N\t\\N\t1\t\n"
    hashes = {t: hashlib.sha256(text.encode()).hexdigest() for t, text in texts.items()}
    assert digest.type_digests() == hashes
    summary = "".join(f"{t}\t{hashes[t]}\n" for t in RECORD_TYPES)
    assert digest.hexdigest() == hashlib.sha256(summary.encode()).hexdigest()


def test_columns_render_as_the_rows_do():
    slot = generate_slot(build_plan(make_inputs(records=3000, days=45, seed=4)), 0)
    for record_type in RECORD_TYPES:
        by_columns, by_rows = DatasetDigest(), DatasetDigest()
        by_columns.add_columns(record_type, getattr(slot, record_type))
        by_rows.add_rows(record_type, slot_rows(slot, record_type))
        assert by_columns.type_digests() == by_rows.type_digests(), record_type
    escaped = {"deal_key": np.array([3]), "contact_key": np.array([4]), "role": np.array(["a\\b\rc"], dtype=object),
               "is_primary": np.array([0], dtype=np.int8)}  # fmt: skip
    by_columns, by_rows = DatasetDigest(), DatasetDigest()
    by_columns.add_columns("deal_contacts", escaped)
    by_rows.add_rows("deal_contacts", [(3, 4, "a\\b\rc", False)])
    assert by_columns.type_digests() == by_rows.type_digests()


def test_empty_types_digest_alike_and_split_feeding_is_fine():
    a, b = DatasetDigest(), DatasetDigest()
    a.add_rows("contacts", [])
    a.add_rows("lifecycle_events", [(1, 0, "", "subscriber", 0), (1, 1, "subscriber", "lead", 5)])
    b.add_rows("lifecycle_events", [(1, 0, "", "subscriber", 0)])
    b.add_rows("deal_stage_events", [])
    b.add_rows("lifecycle_events", [(1, 1, "subscriber", "lead", 5)])
    assert a.hexdigest() == b.hexdigest()
    assert a.hexdigest() != DatasetDigest().hexdigest()
    empty = DatasetDigest()
    empty.add_rows("contacts", [])
    assert empty.hexdigest() == DatasetDigest().hexdigest()


def test_row_order_within_a_type_matters():
    a, b = DatasetDigest(), DatasetDigest()
    rows = [(1, 0, "", "subscriber", 0), (2, 0, "", "subscriber", 0)]
    a.add_rows("lifecycle_events", rows)
    b.add_rows("lifecycle_events", rows[::-1])
    assert a.hexdigest() != b.hexdigest()


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
    assert (ENGINE_VERSION, SLOT_SIZE) == ("4", 1000)
    assert engine_digest(make_inputs("b2b", records=1500, seed=1)) == PINNED_B2B
    assert engine_digest(make_inputs("b2c", records=800, seed=1, distribution="business_hours")) == PINNED_B2C


PINNED_B2B = "4ca3e61653a29a25a087da835cefe03ce2f8e41ad4497764e28e472203f7ca0d"
PINNED_B2C = "fc15e57a00b5d21b234e4c33dd2b5a6a88797f23100f07aebca60c7aaba1fd39"
