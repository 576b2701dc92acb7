"""The Procfile's ``web`` role (gunicorn, gthread workers, DEBUG off) on a free loopback port, for the benchmarks
that measure what a client of the deployed web role waits for (``progress_api``, ``request_load``)."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.scratch import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_command() -> str:
    """The Procfile's web line, as the process manager runs it (``${WEB_WORKERS:-2}`` etc. left to the shell)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    return line.split(":", 1)[1].strip()


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status == 200
    finally:
        conn.close()


@contextlib.contextmanager
def web_role(log_path: str, **extra_env: str) -> Iterator[int]:
    """The Procfile's web role on a free loopback port, logging to ``log_path``; yields the port.

    ``extra_env`` overrides the environment, e.g. ``WEB_WORKERS`` / ``WEB_THREADS`` or a lifted throttle."""
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ.get('PATH', '')}",
        "WEB_BIND": "127.0.0.1",
        "PORT": str(port),
        "SECRET_KEY": "crmsim-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        **extra_env,
    }
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            ["sh", "-c", f"exec {web_command()}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if _healthy(port):
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web role did not come up:\n{Path(log_path).read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=60)
