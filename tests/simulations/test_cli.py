"""The start_simulation command: happy path, JSON output, and the bad-input table (exit 2, nothing created)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from simulations import engine
from simulations.lifecycle.requests import engine_inputs
from simulations.models import Simulation, User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GOOD = ["--scenario", "b2b", "--records", "1200", "--start", "2026-01-01", "--end", "2026-04-01", "--seed", "5"]


@pytest.fixture(autouse=True)
def embedded(settings: Any) -> None:
    """These tests run the command in this process on the test database: embedded mode, whatever the env says
    (CI sets CELERY_BROKER_URL; the distributed path is covered by tests/simulations/integration)."""
    settings.CRMSIM_EMBEDDED = True


def _run(*args: str) -> dict:
    out = StringIO()
    call_command("start_simulation", *args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_it_runs_to_completion_and_prints_one_json_object() -> None:
    result = _run(*GOOD, "--override", "dealAmount.mu=10.2", "--distribution", "front_loaded")
    simulation = Simulation.objects.get(pk=result["id"])
    assert result["status"] == "completed"
    assert result["planned"] == result["processed"] == simulation.planned
    assert result["digest"] == engine.engine_digest(engine_inputs(simulation))
    assert simulation.parameters["dealAmount"]["mu"] == 10.2
    assert simulation.owner.username == "demo"


def test_the_text_summary_shows_the_table_rate_and_digest() -> None:
    out = StringIO()
    call_command("start_simulation", *GOOD, stdout=out)
    text = out.getvalue()
    assert "completed" in text
    for record_type in engine.RECORD_TYPES:
        assert record_type in text
    assert "rows/s" in text
    assert "digest " in text


def test_resume_of_a_completed_simulation_prints_its_summary_and_of_a_cancelled_one_is_an_error() -> None:
    # Workers may finish a run between a look at it and this command: following it then means its summary.
    first = _run(*GOOD)
    assert _run("--resume", str(first["id"])) == first
    cancelled = Simulation.objects.filter(pk=first["id"]).update(status=Simulation.Status.CANCELLED)
    assert cancelled == 1
    with pytest.raises(CommandError, match="is cancelled"):
        _run("--resume", str(first["id"]))


def test_same_command_twice_gives_equal_digests() -> None:
    assert _run(*GOOD)["digest"] == _run(*GOOD)["digest"]


def test_custom_distribution_params_are_parsed() -> None:
    result = _run(*GOOD, "--distribution", "custom", "--distribution-param", "weights=1,0,0,3")
    assert Simulation.objects.get(pk=result["id"]).distribution_params["weights"] == [1.0, 0.0, 0.0, 3.0]


BAD_INPUT = [
    (["--scenario", "nope"], "Unknown scenario 'nope'"),
    (["--end", "2025-12-01"], "must be after start"),
    (["--end", "2026-01-01"], "must be after start"),
    (["--start", "soon"], "not an ISO date"),
    (["--override", "dealWinRateBase=0.9"], "overrides.dealWinRateBase: 0.9 is outside the guardrails [0.55, 0.65]"),
    (["--override", "dealAmount.median=3"], "dealAmount.median"),
    (["--override", "novalue"], "expected KEY=VALUE"),
    (["--records", "0"], "records: Must be a positive whole number"),
    (["--records", "-5"], "records: Must be a positive whole number"),
    (["--records", "999999999"], "At most"),
    (["--distribution", "zigzag"], "distribution"),
    (["--distribution", "custom", "--distribution-param", "weights=0,0"], "distributionParams.weights"),
    (["--time-scale", "0"], "timeScale"),
    (["--seed", "-1"], "seed"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT, ids=[" ".join(c) for c, _ in BAD_INPUT])
def test_bad_input_is_one_clear_error_with_exit_code_2_and_nothing_created(changes: list[str], message: str) -> None:
    args = list(GOOD)
    for option, value in zip(changes[::2], changes[1::2], strict=False):
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    if len(changes) % 2:
        args.append(changes[-1])
    users, simulations = User.objects.count(), Simulation.objects.count()
    with pytest.raises(CommandError) as info:
        call_command("start_simulation", *args)
    assert info.value.returncode == 2
    assert message in str(info.value)
    assert (User.objects.count(), Simulation.objects.count()) == (users, simulations)


def test_missing_required_options_are_named() -> None:
    with pytest.raises(CommandError) as info:
        call_command("start_simulation", "--scenario", "b2b")
    assert info.value.returncode == 2
    assert "--records, --start, --end" in str(info.value)


def test_the_shell_sees_exit_code_2_and_one_line_on_stderr(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "start_simulation", *GOOD[:-2], "--records", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["CommandError: records: Must be a positive whole number."]
    assert result.stdout == ""


def test_sqlite_and_the_configured_database_store_the_same_dataset(tmp_path: Path) -> None:
    """The embedded SQLite run (subprocess) and a run on this suite's database give the engine's digest."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    embedded = subprocess.run(
        [sys.executable, "manage.py", "start_simulation", *GOOD, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    sqlite_digest = json.loads(embedded.stdout.strip().splitlines()[-1])["digest"]
    here = _run(*GOOD)
    assert here["digest"] == sqlite_digest
    assert here["digest"] == engine.engine_digest(engine_inputs(Simulation.objects.get(pk=here["id"])))


def test_a_followed_backfill_that_does_not_move_gets_one_hint_and_a_live_run_none() -> None:
    from simulations.management.commands.start_simulation import STALL_SECONDS, _StallWatch

    now = [0.0]
    backfill = Simulation(pk=7, status=Simulation.Status.PLANNING, pace=Simulation.Pace.BACKFILL)
    err = StringIO()
    watch = _StallWatch(backfill, err, clock=lambda: now[0])
    for seconds, status, processed in [(0, "planning", 0), (STALL_SECONDS - 1, "planning", 0),
                                       (STALL_SECONDS + 5, "running", 0), (2 * STALL_SECONDS, "running", 100),
                                       (3 * STALL_SECONDS - 1, "running", 100)]:  # fmt: skip
        now[0], backfill.status = seconds, status
        watch.observe(backfill, processed)
    assert err.getvalue() == ""  # it moved each time before STALL_SECONDS passed
    for seconds in (3 * STALL_SECONDS + 1, 4 * STALL_SECONDS, 9 * STALL_SECONDS):
        now[0] = seconds
        watch.observe(backfill, 100)
    assert err.getvalue().count("has not moved") == 1
    assert "Celery worker" in err.getvalue() and "--resume 7" in err.getvalue()

    live = Simulation(pk=8, status=Simulation.Status.RUNNING, pace=Simulation.Pace.LIVE)
    quiet = StringIO()
    watch = _StallWatch(live, quiet, clock=lambda: now[0])
    for seconds in (0, 10 * STALL_SECONDS):
        now[0] = seconds
        watch.observe(live, 0)
    assert quiet.getvalue() == ""
