"""Distributed runs on real infrastructure: Redis broker, ``celery worker``/``beat`` processes, PostgreSQL.

Each test drives ``manage.py start_simulation`` (and the services, through ``manage.py shell``) in
subprocesses, kills or restarts real processes, and checks the determinism contract: processed == planned,
one row per planned row, and the pure engine's digest.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.servers import PrivateRedis
from tests.simulations.integration.conftest import ROOT, Cluster, Services

pytestmark = pytest.mark.integration

QUARTER = ["--start", "2026-01-01", "--end", "2026-04-01"]
BACKFILL = ["--scenario", "b2b", "--records", "8000", *QUARTER, "--seed", "11"]
# A one-hour window at 120x: 30 s of wall time, about 450 rows/s (contacts, companies, their first events).
LIVE_HOUR = [
    "--scenario", "b2b", "--records", "8000", "--start", "2026-03-02T09:00:00", "--end", "2026-03-02T10:00:00",
    "--seed", "21", "--pace", "live", "--time-scale", "120",
]  # fmt: skip
LIVE_20_MINUTES = [*LIVE_HOUR[:4], "--start", "2026-03-02T09:00:00", "--end", "2026-03-02T09:20:00",
                   *LIVE_HOUR[8:]]  # fmt: skip


def _assert_complete_and_exact(services: Services, summary: dict) -> None:
    """Completed, processed == planned, exactly one stored row per planned row, the pure engine's digest."""
    assert summary["status"] == "completed"
    assert summary["processed"] == summary["planned"]
    assert services.db.row_counts(summary["id"]) == summary["planned"]
    assert summary["digest"] == services.db.expected_digest(summary["id"])


def _start_no_wait(services: Services, *args: str) -> int:
    summary = services.start_simulation(*args, "--no-wait")
    assert summary["status"] == "running" and summary["digest"] is None
    return int(summary["id"])


def _follow(services: Services, simulation_id: int, timeout: float = 180) -> dict:
    """``start_simulation --resume ID`` on a running simulation follows it to the end and prints its summary."""
    return services.start_simulation("--resume", str(simulation_id), timeout=timeout)


def test_same_digest_with_one_and_four_worker_processes_and_in_embedded_mode(
    services: Services, cluster: Cluster, tmp_path: object
) -> None:
    cluster.start_worker(1)
    one = services.start_simulation(*BACKFILL)
    cluster.kill("worker")
    cluster.start_worker(4)
    four = services.start_simulation(*BACKFILL)
    # The worker that completed it sent simulations.store_results: the stored digest is read from the rows.
    stored = "SELECT digest FROM simulations_simulation WHERE id = %s AND report IS NOT NULL"
    services.db.wait_for("the stored report", lambda: bool(services.db.rows(stored, four["id"])), timeout=60)
    assert services.db.value(stored, four["id"]) == four["digest"]

    sqlite = f"sqlite:///{tmp_path}/embedded.sqlite3"
    embedded_env = {k: v for k, v in services.env.items() if k != "CELERY_BROKER_URL"} | {"DATABASE_URL": sqlite}
    services.manage("migrate", "--no-input", "-v", "0", env=embedded_env)
    embedded = services.start_simulation(*BACKFILL, env=embedded_env)

    _assert_complete_and_exact(services, one)
    _assert_complete_and_exact(services, four)
    assert one["digest"] == four["digest"] == embedded["digest"]
    assert one["planned"] == four["planned"] == embedded["planned"] == embedded["processed"]


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(2)
    simulation_id = _start_no_wait(services, "--scenario", "b2b", "--records", "20000", *QUARTER, "--seed", "12")
    services.db.wait_for("the first rows", lambda: services.db.processed(simulation_id) > 0, timeout=60, every=0.05)
    cluster.kill("worker")  # SIGKILL to the whole group: the main process and its pool processes
    assert services.db.status(simulation_id) == "running", "the run finished before the kill: make it bigger"
    stranded = services.db.value(
        "SELECT COUNT(*) FROM simulations_slot WHERE simulation_id = %s AND status != 'done'", simulation_id
    )
    assert stranded > 0

    cluster.start_worker(2)
    _assert_complete_and_exact(services, _follow(services, simulation_id))


def test_a_redis_restart_mid_run_loses_and_duplicates_nothing(
    services: Services, cluster: Cluster, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(services.env, "CELERY_BROKER_URL", private_redis.url)  # broker and cache
    cluster.start_beat_named("beat-private")
    cluster.start_worker(2)
    simulation_id = _start_no_wait(services, "--scenario", "b2b", "--records", "20000", *QUARTER, "--seed", "13")
    services.db.wait_for("the first rows", lambda: services.db.processed(simulation_id) > 0, timeout=60, every=0.05)
    private_redis.restart(down_seconds=2)  # every queued and unacknowledged message is gone
    assert services.db.status(simulation_id) == "running", "the run finished before the restart: make it bigger"
    _assert_complete_and_exact(services, _follow(services, simulation_id))
    assert "Connection to broker lost" in cluster.log("worker")


def test_messages_delivered_twice_change_nothing(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(2)
    simulation_id = _start_no_wait(services, "--scenario", "b2b", "--records", "20000", *QUARTER, "--seed", "14")
    services.db.wait_for("claims", lambda: services.db.value(
        "SELECT COUNT(*) FROM simulations_slot WHERE simulation_id = %s AND status = 'enqueued'", simulation_id
    ) > 0, timeout=30, every=0.05)  # fmt: skip
    # Duplicates of the current claims (as a redelivery would make them) and manual nudges, twice each.
    slots = services.db.rows("SELECT id, attempts FROM simulations_slot WHERE simulation_id = %s", simulation_id)
    services.send_materialize([(slot_id, attempts) for slot_id, attempts in slots] * 2 + [(s, None) for s, _ in slots])
    summary = services.summary(simulation_id)
    _assert_complete_and_exact(services, summary)

    # And again for slots that are done: every message is a no-op.
    done_before = cluster.log("worker").count("'skipped': 'done'")
    services.send_materialize([(slot_id, attempts) for slot_id, attempts in slots] * 2)
    services.db.wait_for(
        "the duplicates to run",
        lambda: cluster.log("worker").count("'skipped': 'done'") >= done_before + 2 * len(slots),
        timeout=30,
    )
    assert services.db.row_counts(simulation_id) == summary["planned"]
    assert services.db.processed(simulation_id) == sum(summary["planned"].values())


def test_a_live_hour_at_120x_takes_about_30_seconds_with_low_lag(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(2)
    run = subprocess.Popen(
        [sys.executable, "manage.py", "start_simulation", *LIVE_HOUR, "--json"], cwd=ROOT,
        env=services.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    seen: list[int] = []
    try:
        simulation_id = None
        deadline = time.monotonic() + 90
        while run.poll() is None and time.monotonic() < deadline:
            time.sleep(2)
            ids = services.db.rows("SELECT id FROM simulations_simulation WHERE seed = 21 ORDER BY id DESC LIMIT 1")
            if ids:
                simulation_id = ids[0][0]
                seen.append(services.db.processed(simulation_id))
        out, err = run.communicate(timeout=90)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    _assert_complete_and_exact(services, summary)

    seconds = services.db.value(
        "SELECT EXTRACT(EPOCH FROM finished_at - started_at) FROM simulations_simulation WHERE id = %s", summary["id"]
    )
    total = sum(summary["planned"].values())
    progress = services.progress(summary["id"])
    # materialize.slot._record_lag counts from clock_wall truncated to whole seconds: its figures are late by this much.
    bias_ms = float(services.db.value(
        "SELECT EXTRACT(MICROSECONDS FROM clock_wall)::bigint %% 1000000 / 1000.0 FROM simulations_simulation "
        "WHERE id = %s", summary["id"]
    ))  # fmt: skip
    print(f"\nlive hour at 120x: {float(seconds):.1f} s wall, {total} rows, {total / float(seconds):.0f} rows/s, "
          f"lag {progress['lag']} (including a {bias_ms:.0f} ms measurement bias), "
          f"processed at 2 s polls: {seen}")  # fmt: skip
    assert 25 <= float(seconds) <= 60
    assert total / float(seconds) >= 200  # a few hundred rows per second
    growing = [n for n in seen if 0 < n < total]
    assert len(growing) >= 5 and growing == sorted(growing) and len(set(growing)) >= 5  # rows appear progressively
    assert progress["lag"]["samples"] > 0
    assert progress["lag"]["p99Ms"] < 2000


def test_pause_stops_new_work_and_resume_reaches_the_same_digest(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(2)
    simulation_id = _start_no_wait(services, *LIVE_20_MINUTES)
    # Paused as soon as rows appear: a host that falls behind the live pace writes the late rows at once, so a
    # 10-second run could complete within a fixed wait here.
    services.db.wait_for("the first rows", lambda: services.db.processed(simulation_id) > 0, timeout=30)
    services.control("pause", simulation_id)
    assert services.db.status(simulation_id) == "paused"
    time.sleep(1.5)  # a batch that was being written when the pause came finishes
    paused_at = services.db.processed(simulation_id)
    time.sleep(3)
    assert services.db.processed(simulation_id) == paused_at
    assert services.db.value(
        "SELECT COUNT(*) FROM simulations_slot WHERE simulation_id = %s AND status = 'enqueued'", simulation_id
    ) == 0  # fmt: skip
    planned = services.db.value("SELECT planned FROM simulations_simulation WHERE id = %s", simulation_id)
    assert 0 < paused_at < sum(planned.values())

    summary = services.start_simulation("--resume", str(simulation_id))  # resumes, follows, prints the summary
    _assert_complete_and_exact(services, summary)


def test_cancel_stops_within_seconds_and_keeps_what_was_written(services: Services, cluster: Cluster) -> None:
    cluster.start_worker(2)
    simulation_id = _start_no_wait(services, *LIVE_20_MINUTES)
    services.db.wait_for("the first rows", lambda: services.db.processed(simulation_id) > 0, timeout=30)
    services.control("cancel", simulation_id)
    assert services.db.status(simulation_id) == "cancelled"
    time.sleep(2)
    stopped_at = services.db.processed(simulation_id)
    time.sleep(3)
    assert services.db.processed(simulation_id) == stopped_at
    assert services.db.status(simulation_id) == "cancelled"
    planned = services.db.value("SELECT planned FROM simulations_simulation WHERE id = %s", simulation_id)
    assert 0 < stopped_at < sum(planned.values())
    assert sum(services.db.row_counts(simulation_id).values()) == stopped_at


def test_start_simulation_follows_a_distributed_run_and_prints_the_text_summary(
    services: Services, cluster: Cluster
) -> None:
    cluster.start_worker(2)
    args = ["--scenario", "b2c", "--records", "3000", *QUARTER, "--seed", "15"]
    text = services.manage("start_simulation", *args)
    assert re.search(r"Simulation \d+: completed", text)
    for record_type in ("companies", "contacts", "deals", "activities", "lifecycle_events", "deal_stage_events"):
        assert record_type in text
    assert "rows/s" in text
    digest = re.search(r"digest ([0-9a-f]{64})", text)
    simulation_id = int(re.search(r"Simulation (\d+)", text).group(1))  # type: ignore[union-attr]
    assert digest and digest.group(1) == services.db.expected_digest(simulation_id)
    summary = services.start_simulation(*args)
    _assert_complete_and_exact(services, summary)
    assert summary["digest"] == digest.group(1)


# Control actions under load: 40 minutes at 120x (20 s of running) and a second run to cancel meanwhile.
LIVE_40_MINUTES = [
    "--scenario", "b2b", "--records", "8000", "--start", "2026-03-02T09:00:00", "--end", "2026-03-02T09:40:00",
    "--seed", "31", "--pace", "live", "--time-scale", "120",
]  # fmt: skip
LIVE_HOUR_SMALL = [
    "--scenario", "b2b", "--records", "4000", "--start", "2026-03-02T09:00:00", "--end", "2026-03-02T10:00:00",
    "--seed", "32", "--pace", "live", "--time-scale", "120",
]  # fmt: skip
CONTROL_CLIENT = """
import json, time
from crmsim.errors import StateConflict
from simulations.lifecycle import control
from simulations.models import Simulation
outcomes = []
for delay, action, simulation_id in json.loads({schedule!r}):
    time.sleep(delay)
    started = time.monotonic()
    try:
        getattr(control, action + "_simulation")(simulation=Simulation.objects.get(pk=simulation_id))
        outcome = ["ok", ""]
    except StateConflict as exc:
        outcome = ["conflict", str(exc)]
    except Exception as exc:
        outcome = ["error", type(exc).__name__ + ": " + str(exc)]
    outcomes.append([action, simulation_id, *outcome, time.monotonic() - started])
print(json.dumps(outcomes))
"""
"""One client: runs its schedule of [delay before it in s, action, simulation id] through the services, as the
API would, and prints each action's outcome (ok, conflict: StateConflict, the API's 409, or error) and
its duration in seconds."""


def _deadlocks(services: Services) -> int:
    """pg_stat_database.deadlocks of the session's dedicated database (server-side, whoever was the victim)."""
    return int(services.db.value("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))


def _settled_deadlocks(services: Services, cluster: Cluster) -> int:
    """The deadlock count once every other backend has exited: a backend reports its statistics when it ends
    (otherwise up to seconds later), so stop the processes holding connections and wait for their backends."""
    cluster.stop_all()
    others = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    services.db.wait_for("the cluster's connections to close", lambda: services.db.value(others) == 0, timeout=30)
    time.sleep(1)  # the exiting backend flushes its statistics after it leaves pg_stat_activity
    return _deadlocks(services)


def test_pause_resume_and_cancel_from_two_clients_under_load_never_deadlock(
    services: Services, cluster: Cluster
) -> None:
    cluster.start_worker(4)
    deadlocks_before = _deadlocks(services)
    toggled = _start_no_wait(services, *LIVE_40_MINUTES)
    cancelled = _start_no_wait(services, *LIVE_HOUR_SMALL)
    services.db.wait_for("the first rows", lambda: services.db.processed(toggled) > 0, timeout=60)

    # 50 pauses/resumes in all at random moments (25 per client, 0.05-0.8 s apart), and one cancel of the
    # second run from each client somewhere in the first half of its schedule.
    rng = np.random.default_rng(20261130)
    schedules = []
    for _ in range(2):
        actions = [[float(rng.uniform(0.05, 0.8)), str(rng.choice(["pause", "resume"])), toggled] for _ in range(25)]
        actions.insert(int(rng.integers(0, 12)), [float(rng.uniform(0.05, 0.8)), "cancel", cancelled])
        schedules.append(json.dumps(actions))
    with ThreadPoolExecutor(max_workers=2) as clients:
        outputs = list(clients.map(lambda s: services.shell(CONTROL_CLIENT.format(schedule=s)), schedules))
    outcomes = [tuple(o) for out in outputs for o in json.loads(out.strip().splitlines()[-1])]

    tally = sorted({(action, result) for action, _, result, _, _ in outcomes})
    print("\ncontrol outcomes:", ", ".join(
        f"{action} {result} {len(times)} (max {max(times):.2f} s)"
        for action, result in tally
        for times in [[o[4] for o in outcomes if o[0] == action and o[2] == result]]
    ))  # fmt: skip
    assert len(outcomes) == 52
    assert [o for o in outcomes if o[2] not in ("ok", "conflict")] == []
    succeeded = [action for action, _, result, _, _ in outcomes if result == "ok"]
    assert succeeded.count("cancel") == 1  # the other client's cancel is a state conflict
    assert succeeded.count("pause") >= 3 and succeeded.count("resume") >= 3, outcomes
    assert services.db.status(toggled) in ("running", "paused"), "it ended before the clients did: make it longer"
    assert services.db.status(cancelled) == "cancelled"

    # Deleting the cancelled run while the other one keeps 4 workers busy leaves nothing of it behind.
    services.control("delete", cancelled)
    assert sum(services.db.row_counts(cancelled).values()) == 0
    assert services.db.value("SELECT COUNT(*) FROM simulations_slot WHERE simulation_id = %s", cancelled) == 0

    summary = services.start_simulation("--resume", str(toggled))  # resumes if paused, follows to the end
    _assert_complete_and_exact(services, summary)
    deadlocks_after = _settled_deadlocks(services, cluster)
    print(f"deadlocks in the database: {deadlocks_before} before, {deadlocks_after} after")
    assert deadlocks_after == deadlocks_before
