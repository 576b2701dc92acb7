"""The bulk writer: exact round trips, NULLs, escaping, conflict counting and the stage_seq guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from crm.models import Company, Deal
from simulations.materialize.writers import writer_for_connection
from simulations.models import Simulation

pytestmark = pytest.mark.django_db


def _companies(keys: list[int], names: list[str]) -> dict[str, np.ndarray]:
    return {
        "key": np.array(keys, dtype=np.int64),
        "name": np.array(names, dtype=object),
        "domain": np.array([f"c{k}.example" for k in keys], dtype=object),
        "industry": np.array(["Software"] * len(keys), dtype=object),
        "employees": np.array([10] * len(keys), dtype=np.int64),
        "created_at": np.array([1_767_225_600 + k for k in keys], dtype=np.int64),
    }


def test_text_with_tabs_backslashes_and_newlines_round_trips(make_simulation: Callable[..., Simulation]) -> None:
    simulation = make_simulation(records=10)
    tricky = ["Tab\tCo", "Back\\slash \\N Ltd", "New\nline", "Plain"]
    inserted = writer_for_connection().insert(Company, simulation.pk, _companies([1, 2, 3, 4], tricky))
    assert inserted == 4
    stored = list(Company.objects.filter(simulation=simulation).order_by("key").values_list("name", "created_at"))
    assert [name for name, _ in stored] == tricky
    assert stored[0][1] == dt.datetime(2026, 1, 1, 0, 0, 1, tzinfo=dt.UTC)


def test_insert_missing_counts_only_new_rows(make_simulation: Callable[..., Simulation]) -> None:
    simulation = make_simulation(records=10)
    writer = writer_for_connection()
    assert writer.insert_missing(Company, simulation.pk, _companies([1, 2], ["A", "B"])) == 2
    assert writer.insert_missing(Company, simulation.pk, _companies([2, 3], ["B", "C"])) == 1
    assert Company.objects.filter(simulation=simulation).count() == 3


def test_nulls_and_the_stage_seq_guard(make_simulation: Callable[..., Simulation]) -> None:
    simulation = make_simulation(records=10)
    writer = writer_for_connection()
    deal = {
        "key": np.array([5]),
        "contact_key": np.array([5]),
        "company_key": np.array([1]),
        "name": np.array(["Deal"], dtype=object),
        "amount_cents": np.array([123456]),
        "dealstage": np.array(["qualifiedtobuy"], dtype=object),
        "stage_seq": np.array([1]),
        "created_at": np.array([1_767_225_600]),
        "closed_at": np.array([-1]),
        "is_won": np.array([-1], dtype=np.int8),
    }
    writer.insert(Deal, simulation.pk, deal)
    stored = Deal.objects.get(simulation=simulation, key=5)
    assert (stored.closed_at, stored.is_won, str(stored.amount)) == (None, None, "1234.56")
    closed = {
        "key": np.array([5]),
        "dealstage": np.array(["closedwon"], dtype=object),
        "stage_seq": np.array([6]),
        "closed_at": np.array([1_767_312_000]),
        "is_won": np.array([1], dtype=np.int8),
    }
    writer.update_state(Deal, simulation.pk, closed)
    stale = {
        **closed,
        "dealstage": np.array(["contractsent"], dtype=object),
        "stage_seq": np.array([5]),
        "closed_at": np.array([-1]),
        "is_won": np.array([-1], dtype=np.int8),
    }
    writer.update_state(Deal, simulation.pk, stale)
    stored.refresh_from_db()
    assert (stored.dealstage, stored.stage_seq, stored.is_won) == ("closedwon", 6, True)
    assert stored.closed_at == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
