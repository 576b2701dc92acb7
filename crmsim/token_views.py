"""Rotate and revoke the signed-in user's API token (docs/api.md, "Authentication")."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from crmsim import tokens
from crmsim.api import READ_ERRORS, ApiView, TokenResponseSerializer, token_response


class TokenRotateView(ApiView):
    """``POST``: a new token for the signed-in user; the old one stops working at once."""

    @extend_schema(
        operation_id="auth_token_rotate",
        tags=["auth"],
        request=None,
        responses={200: TokenResponseSerializer, **READ_ERRORS},
    )
    def post(self, request: Request) -> Response:
        return token_response(tokens.rotate_token(user=cast(AbstractBaseUser, request.user)))


class TokenRevokeView(ApiView):
    """``POST``: delete the signed-in user's token (signing out every script that uses it). 204."""

    @extend_schema(
        operation_id="auth_token_revoke",
        tags=["auth"],
        request=None,
        responses={204: OpenApiResponse(description="Revoked; the token no longer authenticates."), **READ_ERRORS},
    )
    def post(self, request: Request) -> Response:
        tokens.revoke_tokens(user=cast(AbstractBaseUser, request.user))
        return Response(status=204)
