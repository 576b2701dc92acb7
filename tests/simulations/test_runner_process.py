"""Embedded mode end to end: the web role (real gunicorn, two workers) spawns the runner process, which plans and
completes what the API submits; a SIGKILLed runner is replaced by the next ensure and its run resumes.

The database is one other processes can open: the test database on PostgreSQL (transactional, so what they commit
is flushed afterwards), a migrated file on SQLite. No broker: the web role and the runner are embedded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

from simulations.drivers import runner
from tests.procfile import ROOT, database_for_subprocesses, running
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)
SECRET_KEY = "runner-process-test-" + "p4Wm" * 12
LIVE_BODY = {
    "scenario": "b2b", "start": "2026-01-01", "end": "2026-04-01", "records": 3000, "seed": 11,
    "pace": "live", "timeScale": 1_000_000, "autoStart": True,
}  # fmt: skip
"""A quarter at 10^6 x: about 8 s of wall time, so the runner can be killed in the middle of it."""


def _env(database_url: str, runner_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DEBUG")}
    env.update(DATABASE_URL=database_url, CRMSIM_RUNNER_DIR=str(runner_dir), CRMSIM_RUNNER_AUTOSPAWN="true")
    return env


def _manage(database_url: str, runner_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(database_url, runner_dir), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def runner_pids(database_url: str) -> list[int]:
    """Live ``simulation_runner`` processes working on this database (zombies have no command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if runner.COMMAND.encode() in args and f"DATABASE_URL={database_url}".encode() in environ:
            found.append(int(entry.name))
    return found


def _wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _call(base: str, method: str, path: str, token: str | None = None, body: Any = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Token {token}"} if token else {})
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, None


class Embedded:
    """A database, the runner's directory, and the processes this test started (killed in teardown by pid)."""

    def __init__(self, database_url: str, runner_dir: Path):
        self.database_url = database_url
        self.runner_dir = runner_dir

    @property
    def lock(self) -> Path:
        return runner.runner_files(dj_database_url.parse(self.database_url)).lock

    def kill_runners(self) -> None:
        for pid in runner_pids(self.database_url):
            os.kill(pid, signal.SIGKILL)
        _wait_for("the runners to die", lambda: not runner_pids(self.database_url), timeout=10)
        # A killed process loses its command line before its descriptors: the lock is free a moment later.
        _wait_for("the lock to be released", lambda: not runner.lock_is_held(self.lock), timeout=10)

    def digests(self, *ids: int) -> dict[str, list[str]]:
        """{id: [database digest, engine digest]} read by a manage.py subprocess."""
        code = (
            "import json; from simulations import engine; from simulations.models import Simulation; "
            "from simulations.lifecycle.requests import engine_inputs; "
            "from simulations.reads.digest import database_digest; "
            f"print(json.dumps({{i: [database_digest(s), engine.engine_digest(engine_inputs(s))] "
            f"for i in {list(ids)!r} for s in [Simulation.objects.get(pk=i)]}}))"
        )
        return json.loads(_manage(self.database_url, self.runner_dir, "shell", "-c", code).strip().splitlines()[-1])


@pytest.fixture
def embedded(builtin_presets: None, tmp_path: Path, settings: Any) -> Iterator[Embedded]:
    runner_dir = tmp_path / "run"
    settings.CRMSIM_RUNNER_DIR = str(runner_dir)  # this process's view of the same files (runner_files)
    found = Embedded(database_for_subprocesses(tmp_path), runner_dir)
    try:
        yield found
    finally:
        found.kill_runners()


def _web(embedded: Embedded) -> Any:
    """The Procfile's web role (gunicorn, two gthread workers: two start-up hooks at once) on a free port."""
    port = free_port()
    env = _env(embedded.database_url, embedded.runner_dir)
    env.update(
        PORT=str(port), WEB_BIND="127.0.0.1", WEB_WORKERS="2", SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    return base, running("web", env, lambda: _call(base, "GET", "/healthz")[0] == 200)


def _token(embedded: Embedded) -> str:
    code = (
        "from simulations.models import User; from rest_framework.authtoken.models import Token; "
        "u, _ = User.objects.get_or_create(username='runner-test'); print(Token.objects.get_or_create(user=u)[0].key)"
    )
    return _manage(embedded.database_url, embedded.runner_dir, "shell", "-c", code).strip().splitlines()[-1]


def test_the_web_role_spawns_one_runner_that_completes_and_resumes_after_a_sigkill(embedded: Embedded) -> None:
    token = _token(embedded)
    base, web = _web(embedded)
    with web:
        # Both gunicorn workers ran the start-up hook: one runner, holding the lock.
        _wait_for("the runner to take its lock", lambda: runner.runner_pid(embedded.lock) is not None)
        time.sleep(1.0)
        first_runner = runner.runner_pid(embedded.lock)
        assert runner_pids(embedded.database_url) == [first_runner]

        status, created = _call(base, "POST", "/api/simulations/", token, LIVE_BODY)
        assert status == 201, created
        assert created["status"] == "planning"
        killed = created["id"]

        def progress(pk: int) -> dict:
            return _call(base, "GET", f"/api/simulations/{pk}/progress/", token)[1]

        _wait_for("the run to be under way", lambda: progress(killed)["percent"] > 0)
        os.kill(first_runner, signal.SIGKILL)
        _wait_for("the lock to be released", lambda: not runner.lock_is_held(embedded.lock), timeout=10)
        # A progress poll finds the orphan running with no runner and spawns one (drivers.submission.keep_driven),
        # as does the next submission's ensure; the one new runner resumes the orphan and plans the new simulation.
        orphan = progress(killed)
        assert orphan["status"] == "running"
        assert 0 < orphan["percent"] < 100, "killed too late to show a resume"
        status, created = _call(base, "POST", "/api/simulations/", token, LIVE_BODY)
        assert status == 201, created
        uninterrupted = created["id"]
        _wait_for("a new runner", lambda: runner.runner_pid(embedded.lock) not in (None, first_runner))
        for pk in (killed, uninterrupted):
            _wait_for(f"simulation {pk} to complete", lambda pk=pk: progress(pk)["status"] == "completed", timeout=90)
            assert progress(pk)["processed"] == progress(pk)["planned"]
        assert len(runner_pids(embedded.database_url)) == 1
    digests = embedded.digests(killed, uninterrupted)
    assert digests[str(killed)][0] == digests[str(uninterrupted)][0] == digests[str(killed)][1]


def test_concurrent_ensure_calls_leave_one_runner(embedded: Embedded, settings: Any) -> None:
    settings.CRMSIM_RUNNER_AUTOSPAWN = True
    settings.CRMSIM_EMBEDDED = True
    database = dj_database_url.parse(embedded.database_url)
    barrier = threading.Barrier(8)
    spawned: list[int | None] = []

    def ensure() -> None:
        barrier.wait()
        spawned.append(runner.ensure_runner(database=database, database_url=embedded.database_url))

    threads = [threading.Thread(target=ensure) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([pid for pid in spawned if pid is not None]) == 1, spawned
    _wait_for("the runner to write its pid", lambda: runner.runner_pid(embedded.lock) is not None)
    time.sleep(1.0)
    assert runner_pids(embedded.database_url) == [runner.runner_pid(embedded.lock)]
    assert runner.ensure_runner(database=database, database_url=embedded.database_url) is None
    assert len(runner_pids(embedded.database_url)) == 1


def test_start_and_resume_bring_a_dead_runner_back(embedded: Embedded) -> None:
    token = _token(embedded)
    base, web = _web(embedded)
    with web:
        status, created = _call(base, "POST", "/api/simulations/", token, {**LIVE_BODY, "autoStart": False})
        assert status == 201, created
        pk = created["id"]

        def state() -> dict:
            return _call(base, "GET", f"/api/simulations/{pk}/progress/", token)[1]

        def post(action: str) -> dict:
            status, body = _call(base, "POST", f"/api/simulations/{pk}/{action}/", token)
            assert status == 200, body
            return body

        _wait_for("planning", lambda: state()["status"] == "scheduled")
        embedded.kill_runners()
        assert post("start")["status"] == "running"
        _wait_for("the run to be under way", lambda: state()["percent"] > 0)
        embedded.kill_runners()  # dies while running, with no start or resume to follow: a dashboard's poll heals it
        _wait_for(
            "a runner started by a progress poll", lambda: bool(state()) and bool(runner_pids(embedded.database_url))
        )
        assert post("pause")["status"] == "paused"
        embedded.kill_runners()
        assert post("resume")["status"] == "running"
        _wait_for("completion", lambda: state()["status"] == "completed", timeout=90)
        assert state()["processed"] == state()["planned"]
    database, expected = embedded.digests(pk)[str(pk)]
    assert database == expected
