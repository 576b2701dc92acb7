"""Browser sessions for the part-2 UI tests: a page with its JS errors and failed responses recorded, signed in.

``tests/ui/test_browser.py``'s ``log_in`` expects to land on the wizard (a user without simulations); these tests
create simulations first, so they sign in and then open the screen they test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from simulations.models import User
from tests.ui.conftest import PASSWORD

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
RUN_TIMEOUT_MS = 120_000


@dataclass
class Signed:
    context: Any
    page: Any
    base: str
    js_errors: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def open(self, hash_route: str) -> None:
        """Go to a screen of the SPA and wait until it has rendered."""
        self.page.goto(f"{self.base}/#{hash_route}")
        self.page.wait_for_selector("html[data-ready=true]")

    def api(self, path: str) -> Any:
        return self.page.request.get(f"{self.base}{path}").json()

    def fits_the_viewport(self) -> bool:
        return bool(self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))

    def close(self) -> None:
        self.context.close()


def sign_in(browser: Any, base: str, user: User, viewport: dict[str, int] = DESKTOP) -> Signed:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    signed = Signed(context=context, page=page, base=base)
    page.on("pageerror", lambda error: signed.js_errors.append(str(error)))
    # Content-Security-Policy violations (e.g. a chart library injecting styles) are console messages.
    page.on("console", lambda m: signed.js_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("response", lambda r: signed.failed.append((r.status, r.url)) if r.status >= 400 else None)
    log_in(page, base, user)
    return signed


def log_in(page: Any, base: str, user: User) -> None:
    """Log in on ``page`` and wait for the first screen, wherever `/` sends this user (wizard, or their simulations)."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/#/(wizard/1|simulations)$"))
    page.wait_for_selector("html[data-ready=true]")


def unexplained_failures(failed: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Failed responses, less one known artefact of the SQLite test database while a runner thread writes: the
    live server and the runner share an in-memory database in shared-cache mode, where a read that meets a
    writer's table lock fails at once ("database table is locked") instead of waiting as the file database does
    (timeout 30 s). The dashboard retries its polls, so only failed polls are excused; on PostgreSQL none is."""
    if connection.vendor != "sqlite":
        return failed
    polls = ("/progress/", "/charts/", "/deliveries/")
    return [(status, url) for status, url in failed if not (status == 500 and url.endswith(polls))]
