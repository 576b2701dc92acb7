"""Under the Content-Security-Policy, Chromium runs Swagger UI and the SPA without a single violation."""

from __future__ import annotations

from typing import Any

import pytest

from simulations.models import User
from tests.ui.conftest import PASSWORD

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


def _violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    return found


def test_swagger_ui_renders_every_operation_under_the_policy(browser: Any, live_server: Any, ui_user: User) -> None:
    page = browser.new_page()
    violations = _violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
    assert page.locator(".opblock").count() >= 20
    page.locator(".opblock-summary").first.click()  # expanding an operation renders styled widgets
    page.wait_for_selector(".opblock-body", timeout=TIMEOUT_MS)
    assert violations == []
    assert errors == []
    page.close()


def test_the_spa_and_its_login_run_under_the_policy(browser: Any, live_server: Any, ui_user: User) -> None:
    page = browser.new_page()
    violations = _violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(ui_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("[role=radiogroup] [role=radio]", timeout=TIMEOUT_MS)
    page.goto(f"{live_server.url}/#/simulations")
    page.wait_for_load_state("networkidle")
    assert violations == []
    assert errors == []
    page.close()
