"""Slow clients cannot starve the web role (issue 12, finding 7).

Real gunicorn, started with the Procfile's web command on a free port (so DEBUG off, as in production),
serves a database holding a finished demo simulation. Two sockets request its largest export and then read
nothing: with gunicorn's sync workers (the old Procfile: 2 workers) both workers stay blocked writing to them
and /healthz waits for the 30 s worker timeout. With gthread workers /healthz still answers at once.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.procfile import ROOT, database_for_subprocesses, running
from tests.servers import free_port

SECRET_KEY = "slow-client-test-" + "k7Qz" * 12
HEALTHZ_BOUND_SECONDS = 2.0  # generous: an idle gunicorn answers in a few milliseconds


def _manage(database_url: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DEBUG")}
    env["DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture
def served(builtin_presets: None, tmp_path: Path) -> Iterator[str]:
    """The base URL of gunicorn run as the Procfile says, over a database with a 15,000-record demo run.

    On PostgreSQL it is the test database, transactional (the rows the other processes commit are flushed
    after the test) and with the built-in presets the demo needs.
    """
    database_url = database_for_subprocesses(tmp_path)
    _manage(database_url, "demo", "--records", "15000")  # user demo/demo (the demo runs with DEBUG on)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DEBUG")}
    env.update(
        PORT=str(port),
        WEB_BIND="127.0.0.1",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
    )
    base = f"http://127.0.0.1:{port}"
    with running("web", env, lambda: _get(f"{base}/healthz", timeout=2)[0] == 200):
        yield base


def _get(url: str, timeout: float, headers: dict[str, str] | None = None, body: bytes | None = None) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return None, b""


def _slow_reader(base: str, path: str, token: str) -> socket.socket:
    """A client that sends the request, reads a few bytes and then nothing: the server's writes fill up."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)  # before connect: a tiny TCP window
    host, port = base.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\nConnection: close\r\n\r\n"
    sock.sendall(request.encode())
    sock.settimeout(10)
    assert sock.recv(64).startswith(b"HTTP/1.1 200")
    return sock


def test_two_slow_export_readers_do_not_block_healthz(served: str) -> None:
    status, body = _get(
        f"{served}/api/auth/token/",
        timeout=10,
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": "demo", "password": "demo"}).encode(),
    )
    assert status == 200, body
    token = json.loads(body)["token"]
    status, body = _get(f"{served}/api/simulations/", timeout=10, headers={"Authorization": f"Token {token}"})
    simulation = json.loads(body)["results"][0]["id"]
    export = f"/api/simulations/{simulation}/export/?type=activities&format=ndjson"
    readers = [_slow_reader(served, export, token) for _ in range(2)]
    try:
        time.sleep(1.0)  # let both workers' writes fill the sockets
        timings = []
        for _ in range(3):
            started = time.monotonic()
            status, body = _get(f"{served}/healthz", timeout=10)
            timings.append(time.monotonic() - started)
            assert status == 200, body
        assert max(timings) < HEALTHZ_BOUND_SECONDS, timings
        assert json.loads(body) == {"status": "ok"}
    finally:
        for reader in readers:
            reader.close()


def test_the_web_role_runs_with_debug_off(served: str) -> None:
    status, body = _get(f"{served}/no-such-page/", timeout=10)
    assert status == 404
    assert b"URLconf" not in body  # Django's debug 404 page lists the URL patterns
    status, css = _get(f"{served}/static/crmsim/css/app.css", timeout=10)
    assert b"{" in css
    assert status == 200, "WhiteNoise serves static files with DEBUG off"
