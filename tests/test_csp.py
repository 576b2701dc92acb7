"""A Content-Security-Policy header on every response, and pages that need nothing it forbids (issue 12,
finding 9). The browser check (no violation reported, Swagger UI renders) is tests/ui/test_csp.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b", re.IGNORECASE)


def _policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize(
    ("path", "signed_in", "status"),
    [
        ("/", True, 200),
        ("/accounts/login/", False, 200),
        ("/admin/", True, 200),
        ("/api/docs/", False, 200),
        ("/api/schema/", False, 200),
        ("/api/scenarios/", True, 200),
        ("/api/no-such-route/", False, 404),
        ("/healthz", False, 200),
    ],
)
def test_every_response_carries_the_policy(path: str, signed_in: bool, status: int) -> None:
    client = Client()
    if signed_in:
        client.force_login(StaffFactory())
    response = client.get(path)
    assert response.status_code == status
    policy = _policy(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/admin/", "/admin/login/"])
def test_the_html_pages_have_no_inline_script_or_style_element(path: str) -> None:
    client = Client()
    if path in ("/", "/admin/"):
        client.force_login(StaffFactory())
    page = client.get(path).content.decode()
    assert INLINE_SCRIPT.findall(page) == []
    assert INLINE_STYLE.findall(page) == []


def test_swagger_ui_start_up_script_is_served_from_this_origin() -> None:
    page = Client().get("/api/docs/").content.decode()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    assert any(src.startswith("/api/docs/?script") or "script=" in src for src in scripts), scripts
    assert all(src.startswith("/") for src in scripts), scripts
    start_up = Client().get(next(src for src in scripts if "script" in src))
    assert start_up.status_code == 200
    assert "SwaggerUIBundle" in start_up.content.decode()


def test_csp_report_only_sends_the_policy_without_enforcing_it(settings: Any) -> None:
    settings.CSP_REPORT_ONLY = True
    response = Client().get("/accounts/login/")
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"] == settings.CSP_POLICY
