"""Browser-test fixtures: headless Chromium (Debian's, through Playwright), a user, the built-in presets.

The live server needs a transactional database, which is flushed after each test; the built-in presets the data
migration made would then be gone for every later test, so they are recreated before each browser test and once
more after the module's last flush.

Playwright's synchronous API runs an asyncio loop in the main thread, and Django refuses ORM calls from a thread
with a running loop. The ORM calls here (fixtures, the flush) are plain synchronous ones, so the module allows
them explicitly while the browser is up.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections

from scenarios.builtin import install_builtin_presets
from scenarios.models import ScenarioPreset
from simulations.drivers.runner import run_runner
from simulations.models import User
from tests.factories import UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt; never `playwright install`)"
    if shutil.which("chromium") is None:
        return "chromium is not on PATH (apt-get install -y chromium)"
    return None


def restore_builtin_presets() -> None:
    install_builtin_presets(ScenarioPreset)


@pytest.fixture(scope="module")
def browser(django_db_blocker: Any) -> Iterator[Any]:
    """One headless Chromium per module; fails instead of skipping in CI (CRMSIM_REQUIRE_SERVICES=1)."""
    reason = _missing_browser()
    if reason:
        if os.environ.get("CRMSIM_REQUIRE_SERVICES") == "1":
            pytest.fail(f"browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
        # The last test's flush removed the presets; later tests expect what the migration left.
        with django_db_blocker.unblock():
            restore_builtin_presets()


class ThreadedRunner:
    """The embedded runner's loop (``drivers.runner.run_runner``) in a thread of this process.

    The live server's database is this process's (in memory on SQLite), which a runner process could not open; the
    loop is the same code the ``simulation_runner`` process runs. ``start`` when the test wants work to be done.
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="simulation-runner", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            run_runner(lock=None, stop=self.stop, idle_exit_seconds=None)
        finally:
            connections.close_all()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=60)
            assert not self.thread.is_alive(), "the runner thread did not stop"


@pytest.fixture
def simulation_runner(ui_user: User) -> Iterator[ThreadedRunner]:
    """A runner for simulations submitted through the live server; not started yet."""
    runner = ThreadedRunner()
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def ui_user(transactional_db: None, settings: Any) -> User:
    """A signed-up user, the built-in presets, embedded mode (``simulation_runner`` runs what it submits)."""
    settings.CRMSIM_EMBEDDED = True
    cache.clear()  # throttle counters
    restore_builtin_presets()
    return UserFactory(username="ada", password=PASSWORD)
