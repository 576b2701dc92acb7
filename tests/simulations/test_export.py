"""export_rows and the export_simulation command: columns, value formats, order, determinism, bad input."""

from __future__ import annotations

import csv
import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crm.models import Company, Deal
from crmsim.vocabulary import RECORD_TYPES
from simulations.models import Simulation
from simulations.reads.export import EXPORT_COLUMNS, export_rows

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
AMOUNT = re.compile(r"^\d+\.\d\d$")
HEADERS = {
    "companies": "key,name,domain,industry,employees,created_at",
    "contacts": "key,company_key,first_name,last_name,email,phone,job_title,lifecycle_stage,created_at",
    "deals": "key,contact_key,company_key,name,amount,dealstage,created_at,closed_at,is_won",
    "activities": "key,contact_key,deal_key,type,subject,occurred_at",
    "lifecycle_events": "contact_key,seq,from_stage,to_stage,occurred_at",
    "deal_stage_events": "deal_key,seq,from_stage,to_stage,occurred_at",
}
NATURAL_KEY = {"lifecycle_events": ("contact_key", "seq"), "deal_stage_events": ("deal_key", "seq")}


@pytest.fixture
def simulation(run_simulation: Callable[..., Simulation]) -> Simulation:
    """A B2B quarter: short against the 60-day cycle, so some deals are still open at the end."""
    return run_simulation(scenario="b2b", records=2000, seed=7)


def _export(simulation: Simulation, fmt: str, out: Path, *extra: str) -> None:
    call_command("export_simulation", str(simulation.pk), "--format", fmt, "--out", str(out), *extra)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _ndjson(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _key(record_type: str, row: dict) -> tuple[int, ...]:
    return tuple(int(row[c]) for c in NATURAL_KEY.get(record_type, ("key",)))  # type: ignore[call-overload]


@pytest.mark.django_db
def test_csv_files_have_exactly_the_documented_columns_and_one_row_per_record(
    simulation: Simulation, tmp_path: Path
) -> None:
    _export(simulation, "csv", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in RECORD_TYPES)
    for record_type in RECORD_TYPES:
        path = tmp_path / f"{record_type}.csv"
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == HEADERS[record_type]
        assert ",".join(EXPORT_COLUMNS[record_type]) == HEADERS[record_type]
        rows = _csv(path)
        assert len(rows) == simulation.planned[record_type] > 0, record_type
        keys = [_key(record_type, row) for row in rows]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), record_type


@pytest.mark.django_db
def test_csv_values_use_utc_timestamps_decimal_amounts_and_true_false_empty(
    simulation: Simulation, tmp_path: Path
) -> None:
    _export(simulation, "csv", tmp_path)
    deals = _csv(tmp_path / "deals.csv")
    assert all(TIMESTAMP.match(d["created_at"]) for d in deals)
    assert all(AMOUNT.match(d["amount"]) for d in deals)
    assert {d["is_won"] for d in deals} == {"true", "false", ""}
    for deal in deals:
        assert (deal["is_won"] == "") == (deal["closed_at"] == "")
        assert deal["closed_at"] == "" or TIMESTAMP.match(deal["closed_at"])
    first = Deal.objects.filter(simulation=simulation).order_by("key").first()
    assert first is not None and deals[0]["amount"] == f"{first.amount:.2f}"
    assert deals[0]["created_at"] == first.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    activities = _csv(tmp_path / "activities.csv")
    assert "" in {a["deal_key"] for a in activities}  # activities before the deal have no deal_key
    companies = _csv(tmp_path / "companies.csv")  # names with commas survive quoting
    assert [c["name"] for c in companies] == list(
        Company.objects.filter(simulation=simulation).order_by("key").values_list("name", flat=True)
    )


@pytest.mark.django_db
def test_ndjson_uses_null_booleans_and_string_amounts(simulation: Simulation, tmp_path: Path) -> None:
    _export(simulation, "ndjson", tmp_path, "--types", "deals,activities")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["activities.ndjson", "deals.ndjson"]
    deals = _ndjson(tmp_path / "deals.ndjson")
    assert len(deals) == simulation.planned["deals"]
    assert all(list(d) == list(EXPORT_COLUMNS["deals"]) for d in deals)
    assert {d["is_won"] for d in deals} == {True, False, None}
    assert all(isinstance(d["amount"], str) and AMOUNT.match(d["amount"]) for d in deals)  # type: ignore[arg-type]
    assert all(isinstance(d["key"], int) for d in deals)
    assert all((d["closed_at"] is None) == (d["is_won"] is None) for d in deals)
    activities = _ndjson(tmp_path / "activities.ndjson")
    assert None in {a["deal_key"] for a in activities}


@pytest.mark.django_db
def test_two_simulations_with_the_same_inputs_export_identical_files(
    run_simulation: Callable[..., Simulation], tmp_path: Path
) -> None:
    for name in ("one", "two"):
        _export(run_simulation(scenario="b2c", records=800, seed=5), "csv", tmp_path / name)
    for record_type in RECORD_TYPES:
        first = (tmp_path / "one" / f"{record_type}.csv").read_bytes()
        assert first == (tmp_path / "two" / f"{record_type}.csv").read_bytes(), record_type


@pytest.mark.django_db
def test_export_rows_is_a_lazy_generator_of_bounded_chunks(simulation: Simulation) -> None:
    stream = export_rows(simulation, "activities", "csv", chunk_size=100)
    assert inspect.isgenerator(stream)
    header = next(stream)
    assert header == HEADERS["activities"] + "\n"
    chunks = list(stream)
    assert len(chunks) == -(-simulation.planned["activities"] // 100)
    assert all(chunk.count("\n") <= 100 for chunk in chunks)
    ndjson = list(export_rows(simulation, "activities", "ndjson", chunk_size=100))
    assert sum(chunk.count("\n") for chunk in ndjson) == simulation.planned["activities"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argument", "extra"),
    [("999999", ()), ("x", ()), (None, ("--format", "xml")), (None, ("--types", "contacts,tickets"))],
)
def test_bad_input_exits_with_code_two_and_writes_nothing(
    simulation: Simulation, tmp_path: Path, argument: str | None, extra: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    options = ("--format", "csv", "--out", str(out)) if "--format" not in extra else ("--out", str(out))
    with pytest.raises(CommandError) as error:
        call_command("export_simulation", argument or str(simulation.pk), *options, *extra)
    assert error.value.returncode == 2
    assert not out.exists()
