"""API tokens: they expire, can be rotated and revoked, and die with any password change (issue 12, finding 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crmsim import tokens
from simulations.models import User
from tests.api.conftest import Actors, token_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different horse, still stapled"


def _with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _age(user: User, seconds: float) -> Token:
    token = Token.objects.get(user=user)
    Token.objects.filter(pk=token.pk).update(created=token.created - dt.timedelta(seconds=seconds))
    return Token.objects.get(pk=token.pk)


def test_the_token_endpoint_says_when_the_token_expires(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_TOKEN_TTL = 3600
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = Token.objects.get(user=actors.a)
    assert response.json() == {
        "token": token.key,
        "expires": (token.created + dt.timedelta(hours=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_an_expired_token_is_a_401_that_says_so(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_TOKEN_TTL = 3600
    client = token_client(actors.a)
    assert client.get("/api/profile/").status_code == 200
    _age(actors.a, 3601)
    response = client.get("/api/profile/")
    assert response.status_code == 401
    assert response.json() == {"detail": tokens.EXPIRED_DETAIL}
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_younger_than_the_ttl_still_works(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_TOKEN_TTL = 3600
    client = token_client(actors.a)
    _age(actors.a, 3500)
    assert client.get("/api/profile/").status_code == 200


def test_the_token_endpoint_replaces_an_expired_token(actors: Actors, settings: Any) -> None:
    settings.CRMSIM_TOKEN_TTL = 3600
    old = token_client(actors.a) and Token.objects.get(user=actors.a).key
    _age(actors.a, 3601)
    body = {"username": "alice", "password": PASSWORD}
    new = APIClient().post("/api/auth/token/", body, format="json").json()["token"]
    assert new != old
    assert _with_token(new).get("/api/profile/").status_code == 200
    assert _with_token(old).get("/api/profile/").status_code == 401


def test_rotating_gives_a_new_token_and_the_old_one_stops_working(actors: Actors) -> None:
    old = Token.objects.create(user=actors.a).key
    response = _with_token(old).post("/api/auth/token/rotate/")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert set(response.json()) == {"token", "expires"}
    assert _with_token(old).get("/api/profile/").status_code == 401
    assert _with_token(new).get("/api/profile/").status_code == 200
    assert Token.objects.get(key=new).user == actors.a


def test_revoking_makes_the_token_useless(actors: Actors) -> None:
    key = Token.objects.create(user=actors.a).key
    response = _with_token(key).post("/api/auth/token/revoke/")
    assert response.status_code == 204
    assert not Token.objects.filter(user=actors.a).exists()
    assert _with_token(key).get("/api/profile/").status_code == 401


def test_rotating_and_revoking_touch_only_the_signed_in_users_token(actors: Actors) -> None:
    bob = Token.objects.create(user=actors.b).key
    alice = token_client(actors.a)
    assert alice.post("/api/auth/token/rotate/").status_code == 200
    assert _with_token(bob).get("/api/profile/").status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/token/rotate/", "/api/auth/token/revoke/"])
def test_rotating_and_revoking_need_a_signed_in_user(actors: Actors, path: str) -> None:
    assert APIClient().post(path).status_code == 401


def test_a_session_may_revoke_its_users_token_with_a_csrf_token(actors: Actors) -> None:
    Token.objects.create(user=actors.a)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(actors.a)
    assert client.post("/api/auth/token/revoke/").status_code == 403  # no CSRF token: refused
    assert Token.objects.filter(user=actors.a).exists()


def test_set_password_and_save_revokes_every_token(actors: Actors) -> None:
    key = Token.objects.create(user=actors.a).key
    actors.a.set_password(NEW_PASSWORD)
    actors.a.save()
    assert _with_token(key).get("/api/profile/").status_code == 401


def test_a_new_hash_assigned_and_saved_revokes_the_token(actors: Actors) -> None:
    Token.objects.create(user=actors.a)
    actors.a.password = make_password(NEW_PASSWORD)
    actors.a.save()
    assert not Token.objects.filter(user=actors.a).exists()


def test_the_password_change_view_revokes_the_token(actors: Actors) -> None:
    key = Token.objects.create(user=actors.a).key
    client = Client()
    client.force_login(actors.a)
    body = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post("/accounts/password_change/", body)
    assert response.status_code == 302, response.content[:500]
    assert _with_token(key).get("/api/profile/").status_code == 401


def test_the_admin_password_form_revokes_the_users_token(actors: Actors) -> None:
    key = Token.objects.create(user=actors.a).key
    admin = Client()
    admin.force_login(actors.staff)
    body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = admin.post(f"/admin/simulations/user/{actors.a.pk}/password/", body)
    assert response.status_code == 302, response.content[:500]
    assert _with_token(key).get("/api/profile/").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_token(actors: Actors) -> None:
    key = Token.objects.create(user=actors.a).key
    actors.a.first_name = "Alice"
    actors.a.save()
    Client().login(username="alice", password=PASSWORD)  # saves last_login
    assert _with_token(key).get("/api/profile/").status_code == 200


def test_the_schema_documents_rotation_and_revocation() -> None:
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    assert set(paths["/api/auth/token/rotate/"]["post"]["responses"]) == {"200", "401", "403"}
    assert set(paths["/api/auth/token/revoke/"]["post"]["responses"]) == {"204", "401", "403"}
    schema = APIClient().get("/api/schema/?format=json").json()
    assert (
        paths["/api/auth/token/rotate/"]["post"]["responses"]["200"]
        == paths["/api/auth/token/"]["post"]["responses"]["200"]
    )
    assert set(schema["components"]["schemas"]["TokenResponse"]["properties"]) == {"token", "expires"}
