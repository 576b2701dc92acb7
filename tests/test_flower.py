"""The Procfile's flower role: basic auth required, loopback by default (issue 12, finding 10).

The test starts the Procfile's command as a real process (Flower 2.2 on a free port) and talks HTTP to it.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from crmsim.flower import FlowerConfigError, flower_command
from tests.procfile import ROOT, VENV_BIN, procfile_command, running
from tests.servers import free_port

CREDENTIALS = "ops:s3cret-flower-pass"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWER_") and k != "CRMSIM_FLOWER_NO_AUTH"}
    env.setdefault("CELERY_BROKER_URL", os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15")
    env.update(extra)
    return env


def _status(url: str, credentials: str | None = None) -> int:
    request = urllib.request.Request(url)
    if credentials:
        request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def flower() -> Iterator[str]:
    port = free_port()
    with running("flower", _env(FLOWER_BASIC_AUTH=CREDENTIALS, FLOWER_PORT=str(port)), lambda: _listening(port)):
        yield f"http://127.0.0.1:{port}"


def test_flower_asks_for_credentials_and_accepts_the_configured_ones(flower: str) -> None:
    assert _status(f"{flower}/") == 401
    assert _status(f"{flower}/", "ops:wrong") == 401
    assert _status(f"{flower}/", CREDENTIALS) == 200
    assert _status(f"{flower}/api/workers", CREDENTIALS) == 200
    assert _status(f"{flower}/api/workers") == 401


def test_flower_refuses_to_start_without_credentials() -> None:
    process = subprocess.Popen(
        ["sh", "-c", f"exec {procfile_command('flower')}"],
        cwd=ROOT,
        env={**_env(FLOWER_PORT=str(free_port())), "PATH": f"{VENV_BIN}:{os.environ['PATH']}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("flower started without credentials")
    assert process.returncode != 0
    assert "refuses to start without authentication" in stderr


def test_flower_listens_on_loopback_unless_told_otherwise() -> None:
    command = flower_command({"FLOWER_BASIC_AUTH": CREDENTIALS})
    assert "--address=127.0.0.1" in command
    assert all(CREDENTIALS not in part for part in command)  # Flower reads it from its environment
    assert "--address=0.0.0.0" in flower_command({"FLOWER_BASIC_AUTH": CREDENTIALS, "FLOWER_ADDRESS": "0.0.0.0"})


def test_flower_without_auth_needs_an_explicit_opt_out() -> None:
    assert flower_command({"CRMSIM_FLOWER_NO_AUTH": "1"})[:4] == ["celery", "-A", "crmsim", "flower"]


@pytest.mark.parametrize("credentials", ["ops", "ops:", ":pass", "ops:pass,bad"])
def test_malformed_credentials_are_refused(credentials: str) -> None:
    with pytest.raises(FlowerConfigError, match="user:password"):
        flower_command({"FLOWER_BASIC_AUTH": credentials})
