"""The database renders the engine's canonical form itself (COPY on PostgreSQL, SQL-built lines on SQLite):
every kind of value, NULLs and escapes included, and every stored field counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from crm.models import Activity, Deal, DealContact, Owner
from simulations.engine import DatasetDigest
from simulations.models import Simulation
from simulations.reads.digest import database_digest, database_type_digests

pytestmark = pytest.mark.django_db

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _at(seconds: int) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds)


def _rows(simulation: Simulation) -> None:
    Owner.objects.create(simulation=simulation, key=0, first_name="Zoë", last_name="O\\Brien", email="z@x.io",
                         team="East\tWest", role="rep", timezone="Europe/Paris")  # fmt: skip
    Deal.objects.create(simulation=simulation, key=7, contact_key=7, company_key=2, owner_key=0, name="Acme - Pilot",
                        pipeline="default", amount_cents=123456, dealstage="closedwon", deal_type="newbusiness",
                        probability=1.0, close_date=_at(86_400), lost_reason="", created_at=_at(0),
                        closed_at=_at(86_400), is_won=True)  # fmt: skip
    Deal.objects.create(simulation=simulation, key=9, contact_key=9, company_key=2, owner_key=0, name="Acme\nSeats",
                        pipeline="default", amount_cents=5, dealstage="qualifiedtobuy", deal_type="existingbusiness",
                        probability=0.4, close_date=_at(1_800_000_000), lost_reason="", created_at=_at(60),
                        closed_at=None, is_won=None)  # fmt: skip
    DealContact.objects.create(simulation=simulation, deal_key=7, contact_key=8, role="champion", is_primary=False)
    DealContact.objects.create(simulation=simulation, deal_key=7, contact_key=7, role="decision_maker", is_primary=True)
    Activity.objects.create(simulation=simulation, key=7000, type="task", contact_key=7, deal_key=None, company_key=2,
                            owner_key=0, subject="Call back", body="Line one\r\nline two", direction="", status="open",
                            priority="high", duration_seconds=None, due_at=_at(3_600), occurred_at=_at(1))  # fmt: skip


def _expected() -> DatasetDigest:
    digest = DatasetDigest()
    digest.add_rows("owners", [(0, "Zoë", "O\\Brien", "z@x.io", "East\tWest", "rep", "Europe/Paris")])
    digest.add_rows(
        "deals",
        [
            (7, 7, 2, 0, "Acme - Pilot", "default", "closedwon", "newbusiness", 1.0, 123456, 86400, "", True, 86400, 0),
            (9, 9, 2, 0, "Acme\nSeats", "default", "qualifiedtobuy", "existingbusiness", 0.4, 5, 1800000000, "", None,
             None, 60),
        ],
    )  # fmt: skip
    digest.add_rows("deal_contacts", [(7, 7, "decision_maker", True), (7, 8, "champion", False)])
    digest.add_rows(
        "activities",
        [(7000, "task", 7, None, 2, 0, "Call back", "Line one\r\nline two", "", "open", None, 3_600, 1, "high")],
    )
    return digest


def test_the_database_renders_every_kind_of_value_as_the_engine_does(make_simulation: Callable[..., Simulation]):
    simulation = make_simulation(records=50)
    _rows(simulation)
    expected = _expected()
    assert database_type_digests(simulation) == expected.type_digests()
    assert database_digest(simulation) == expected.hexdigest()


@pytest.mark.parametrize(
    ("model", "change"),
    [
        (Deal, {"probability": 0.5}),
        (Deal, {"close_date": _at(86_401)}),
        (Deal, {"is_won": False}),
        (Deal, {"closed_at": None}),
        (Activity, {"body": "Line one\nline two"}),
        (Activity, {"duration_seconds": 0}),
        (DealContact, {"is_primary": True}),
        (Owner, {"team": "East West"}),
    ],
)
def test_every_stored_field_counts(make_simulation: Callable[..., Simulation], model, change):
    simulation = make_simulation(records=50)
    _rows(simulation)
    before = database_digest(simulation)
    row = model.objects.filter(simulation=simulation).order_by("pk").first()
    model.objects.filter(pk=row.pk).update(**change)
    assert database_digest(simulation) != before


def test_rows_of_other_simulations_do_not_count(make_simulation: Callable[..., Simulation]):
    simulation, other = make_simulation(records=50), make_simulation(records=50)
    _rows(simulation)
    _rows(other)
    assert database_digest(simulation) == _expected().hexdigest()


def test_rows_needing_escapes_in_a_later_chunk_are_rendered_with_them(
    make_simulation: Callable[..., Simulation], monkeypatch: pytest.MonkeyPatch
):
    """SQLite builds lines raw and re-renders a chunk that needs COPY's escapes; PostgreSQL's COPY escapes itself."""
    monkeypatch.setattr("simulations.reads.digest.FETCH_ROWS", 2)
    simulation = make_simulation(records=50)
    bodies = ["plain", "also plain", "a \\N that is text", "tab\there", "plain again", "cr\rlf\n", "back\\slash"]
    rows = []
    for key, body in enumerate(bodies):
        Activity.objects.create(simulation=simulation, key=key, type="note", contact_key=1, deal_key=None,
                                company_key=2, owner_key=0, subject=f"S{key}", body=body, direction="",
                                status="done", priority="", duration_seconds=None, due_at=None,
                                occurred_at=_at(key))  # fmt: skip
        rows.append((key, "note", 1, None, 2, 0, f"S{key}", body, "", "done", None, None, key, ""))
    expected = DatasetDigest()
    expected.add_rows("activities", rows)
    assert database_type_digests(simulation)["activities"] == expected.type_digests()["activities"]
    assert database_digest(simulation) == expected.hexdigest()
