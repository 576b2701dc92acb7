"""Issue 17, #10: the preset admin reports every bad value at once, each under its own field, in even columns
with labels that wrap between words."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.models import ScenarioPreset
from scenarios.parameters import SCHEMA
from simulations.models import User
from tests.factories import StaffFactory
from tests.ui.conftest import PASSWORD
from tests.ui.test_browser import open_page, shot

pytestmark = pytest.mark.browser

COLUMN = "fieldset.preset-leaves .form-multiline > div"
BAD = {
    "p__dealWinRateBase": "0.9",  # outside its guardrail [0.55, 0.65]
    "p__dealAmount__mu": "25",  # outside the hard limits [0, 20]
    "g__avgSalesCycleDays__max": "5000",  # a guardrail beyond the hard limit
}


def test_10_three_bad_values_give_three_messages_each_under_its_field(
    browser: Any, live_server: Any, ui_user: User
) -> None:
    StaffFactory(username="root", password=PASSWORD, is_superuser=True)
    session = open_page(browser)
    page = session.page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    preset = ScenarioPreset.objects.get(slug="b2b")
    page.goto(f"{live_server.url}/admin/scenarios/scenariopreset/{preset.pk}/change/")
    page.wait_for_selector("#id_p__dealWinRateBase")

    # Even columns: every row's value, min and max inputs start at the same x, and no label breaks inside a word.
    rows = page.locator("fieldset.preset-leaves .form-multiline").count()
    columns = [
        {round(box["x"]) for box in (page.locator(f"{COLUMN}:nth-child({n}) input").nth(i).bounding_box()
                                     for i in range(rows)) if box}
        for n in (1, 2, 3)
    ]  # fmt: skip
    assert rows == len(SCHEMA) and all(len(xs) == 1 for xs in columns), columns
    assert len({xs.pop() for xs in columns}) == 3
    for label in page.locator("fieldset.preset-leaves label").all():
        assert label.evaluate("(el) => getComputedStyle(el).wordBreak") == "normal"
        assert label.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), label.inner_text()
    assert "Deal win rate base" in page.locator("label[for=id_p__dealWinRateBase]").inner_text()

    for name, value in BAD.items():
        page.fill(f"#id_{name}", value)
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    errors = page.locator("fieldset.preset-leaves .errorlist")
    assert errors.count() == 3, [e.inner_text() for e in errors.all()]
    for name in BAD:
        column = page.locator(f"{COLUMN}:has(#id_{name})")
        message = column.locator(".errorlist")
        assert message.count() == 1, name
        field_box, message_box = page.locator(f"#id_{name}").bounding_box(), message.bounding_box()
        assert field_box is not None and message_box is not None
        assert message_box["y"] >= field_box["y"] + field_box["height"], f"{name}: the message sits under its field"
        assert abs(message_box["x"] - field_box["x"]) <= 2, f"{name}: in the field's column"
    assert "outside the guardrails" in page.locator(f"{COLUMN}:has(#id_p__dealWinRateBase) .errorlist").inner_text()
    assert "hard limits" in page.locator(f"{COLUMN}:has(#id_g__avgSalesCycleDays__max) .errorlist").inner_text()
    page.locator("#id_p__dealWinRateBase").scroll_into_view_if_needed()
    shot(page, "admin-10-three-errors", full_page=False)
    assert session.js_errors == []
    session.context.close()
