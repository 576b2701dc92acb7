"""API tokens that expire, can be rotated and revoked, and die with a password change.

A user has at most one token (DRF's ``authtoken.Token``). It is valid for ``CRMSIM_TOKEN_TTL`` seconds from
when it was issued (``Token.created``); after that, authenticating with it is a 401 whose detail says it
expired, and the token endpoint issues a fresh one. Every token of a user is deleted when the user's password
changes, whichever way: ``set_password`` + ``save``, the password change view, the admin, or a new hash
assigned and saved (a hasher upgrade at login, which keeps the same password, revokes nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

EXPIRED_DETAIL = "Token has expired; get a new one from POST /api/auth/token/."


def token_ttl() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CRMSIM_TOKEN_TTL)


def expires_at(token: Token) -> dt.datetime:
    return token.created + token_ttl()


def is_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= expires_at(token)


@transaction.atomic
def issue_token(*, user: AbstractBaseUser) -> Token:
    """The user's token: the current one while it is valid, else a new one (the expired one is deleted)."""
    token = Token.objects.select_for_update().filter(user_id=user.pk).first()
    if token is not None and not is_expired(token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user_id=user.pk)


@transaction.atomic
def rotate_token(*, user: AbstractBaseUser) -> Token:
    """A new token for the user; the old one (if any) stops working at once."""
    Token.objects.filter(user_id=user.pk).delete()
    return Token.objects.create(user_id=user.pk)


def revoke_tokens(*, user: AbstractBaseUser) -> int:
    """Delete every token of the user; returns how many there were."""
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>`` that refuses tokens older than ``CRMSIM_TOKEN_TTL`` (401)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            raise exceptions.AuthenticationFailed(EXPIRED_DETAIL)
        return user, token


def _password_changed(instance: AbstractBaseUser, update_fields: frozenset[str] | None) -> bool:
    # ``_password`` holds the raw password between set_password() and save(); Django calls the password
    # validators' password_changed() on exactly that. A hash assigned directly shows as a different stored
    # hash; a hasher upgrade at login saves update_fields={"password"} with _password cleared: same password.
    if getattr(instance, "_password", None) is not None:
        return True
    if instance.pk is None or update_fields is not None:
        return False
    stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    return stored is not None and stored != instance.password


def revoke_tokens_on_password_change(
    sender: type[AbstractBaseUser], instance: AbstractBaseUser, update_fields: frozenset[str] | None, **_: Any
) -> None:
    if instance.pk is not None and _password_changed(instance, update_fields):
        revoke_tokens(user=instance)


def connect_signals() -> None:
    """Wired from ``CrmsimConfig.ready``."""
    pre_save.connect(
        revoke_tokens_on_password_change, sender=get_user_model(), dispatch_uid="crmsim.tokens.revoke_on_password"
    )
