"""The SPA shell without a browser: who gets it, what it carries, and that its assets are served."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factories import UserFactory

ASSETS = ("css/app.css", "js/app.js", "js/api.js", "js/wizard.js", "js/dashboard.js", "js/records.js")


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    login = Client().get("/accounts/login/")
    assert login.status_code == 200
    assert b'<label for="id_username">Username</label>' in login.content


@pytest.mark.django_db
def test_it_serves_the_shell_with_a_csrf_cookie_and_the_api_limits(settings: Any) -> None:
    settings.CRMSIM_MAX_RECORDS = 12_345
    client = Client()
    client.force_login(UserFactory(username="grace"))
    response = client.get("/")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert '<script type="module" src="/static/crmsim/js/app.js"></script>' in html
    assert 'data-max-records="12345"' in html
    assert 'id="mute-toggle"' in html


def test_every_asset_the_shell_loads_is_found_by_staticfiles() -> None:
    for asset in ASSETS:
        assert finders.find(f"crmsim/{asset}"), asset
