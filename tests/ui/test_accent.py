"""The per-scenario accent (issue 17): each scenario's colour and pluck pitch differ, and text in the accent keeps
WCAG AA contrast (4.5:1) on every background it is drawn on; the ratios are computed here from the colours the
browser actually renders."""

from __future__ import annotations

import re
from typing import Any

import pytest

from simulations.models import User
from tests.factories import ScenarioPresetFactory
from tests.ui.signin import log_in
from tests.ui.simulations import planned_simulation
from tests.ui.test_browser import open_page, shot, tile

pytestmark = pytest.mark.browser

AA = 4.5


def rgb(css: str) -> tuple[float, float, float]:
    """'rgb(12, 34, 56)' (or rgba with alpha 1) -> (12, 34, 56)."""
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    assert len(parts) == 3 or (len(parts) == 4 and parts[3] == 1), f"an opaque colour, not {css}"
    return parts[0], parts[1], parts[2]


def luminance(color: tuple[float, float, float]) -> float:
    """WCAG 2.x relative luminance."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)") == pytest.approx(4.54, abs=0.01)  # the AA grey


def style(locator: Any, prop: str, pseudo: str | None = None) -> str:
    script = "([el, prop, pseudo]) => getComputedStyle(el, pseudo).getPropertyValue(prop)"
    return str(locator.evaluate(f"(el, args) => ({script})([el, ...args])", [prop, pseudo]))


def test_each_scenario_has_its_own_accent_and_pitch_and_text_in_it_keeps_aa_contrast(
    browser: Any, live_server: Any, ui_user: User
) -> None:
    staff_preset = ScenarioPresetFactory(slug="fintech-enterprise", name="Fintech enterprise")
    simulations = {slug: planned_simulation(ui_user, scenario=slug) for slug in ("b2b", "b2c", staff_preset.slug)}
    base = live_server.url
    session = open_page(browser)
    page = session.page
    log_in(page, base, ui_user)
    page.goto(f"{base}/#/simulations")
    page.wait_for_selector("#simulations-table")
    assert page.evaluate("document.documentElement.dataset.scenario") is None, "the list has no one scenario"

    accents: dict[str, str] = {}
    for slug, simulation in simulations.items():
        chip = page.locator(f"#simulations-table tr[data-id='{simulation.pk}'] .scenario-chip")
        color, background = style(chip, "color"), style(chip, "background-color")
        page_background = style(page.locator("html"), "background-color")
        assert contrast(color, background) >= AA, (slug, color, background)
        assert contrast(color, "rgb(255, 255, 255)") >= AA, (slug, color)
        assert contrast(color, page_background) >= AA, (slug, color, page_background)
        accents[slug] = color
    assert len(set(accents.values())) == 3, accents
    shot(page, "accent-simulations", full_page=False)

    pitches = {}
    for slug, simulation in simulations.items():
        page.goto(f"{base}/#/simulations/{simulation.pk}")
        page.wait_for_selector(f"html[data-scenario='{slug}']")
        header = page.locator(".site-header")
        assert style(header, "border-bottom-color") == accents[slug], "the header's stripe is the scenario's"
        chip = page.locator(".title-row .scenario-chip")
        assert contrast(style(chip, "color"), style(chip, "background-color")) >= AA
        pitches[slug] = page.evaluate("document.documentElement.dataset.pitch")
        if slug == "b2c":
            shot(page, "accent-dashboard-b2c", full_page=False)
    assert len(set(pitches.values())) == 3, pitches

    # The wizard's scenario tiles: each in its own accent; the chosen one's text and tick keep AA on its tint.
    page.goto(f"{base}/#/wizard/1")
    tile(page, "linear").click()
    page.locator("#wizard-continue").click()
    page.wait_for_selector(".scenario-tiles")
    for slug in simulations:
        choice = tile(page, slug)
        choice.click()
        page.wait_for_selector(f"html[data-scenario='{slug}']")
        assert style(choice, "border-left-color") == accents[slug]
        tint = style(choice, "background-color")
        for text in (choice.locator(".tile-title"), choice.locator(".tile-text"), choice.locator(".facts dt").first):
            assert contrast(style(text, "color"), tint) >= AA, (slug, text)
        tick, tick_background = style(choice, "color", "::after"), style(choice, "background-color", "::after")
        assert contrast(tick, tick_background) >= AA, (slug, tick, tick_background)
    shot(page, "accent-wizard-tiles", full_page=False)
    assert session.js_errors == []
    session.context.close()
