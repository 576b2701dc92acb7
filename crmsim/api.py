"""What every API view shares: authentication order, JSON-only I/O, the error shapes, UTC moments, and the two
endpoints that belong to no app (the token exchange and ``/healthz``).

Error contract (docs/api.md):

- 400: ``{"field.path": ["message", ...]}``; a nested object (``{"parameters": {"dealAmount.mu": [...]}}``)
  where the input is itself a tree; ``non_field_errors`` for problems with the body as a whole (malformed
  JSON, the running-simulations limit).
- 401 (no or bad credentials, with ``WWW-Authenticate: Token``), 403, 404, 409, 429: ``{"detail": "..."}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from crmsim import login_throttle, tokens
from crmsim.errors import NON_FIELD_ERRORS
from crmsim.parsers import StrictJSONParser

__all__ = ["NON_FIELD_ERRORS"]  # re-exported: the key API modules build 400 bodies with

# --- documented error responses ----------------------------------------------------------------------------

_MESSAGES = {"type": "array", "items": {"type": "string"}}
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"anyOf": [_MESSAGES, {"type": "object", "additionalProperties": _MESSAGES}]},
    },
    description="Invalid input: messages per field path, e.g. "
    '`{"overrides.dealWinRateBase": ["0.9 is outside the guardrails [0.55, 0.65]."]}`.',
)
UNAUTHENTICATED = OpenApiResponse(_DETAIL, description="No or invalid credentials.")
FORBIDDEN = OpenApiResponse(_DETAIL, description="Authenticated, but not allowed (staff only, or CSRF).")
NOT_FOUND = OpenApiResponse(_DETAIL, description="No such object, or not visible to this user.")
CONFLICT = OpenApiResponse(_DETAIL, description="The object's state does not allow this action.")
THROTTLED = OpenApiResponse(_DETAIL, description="Too many requests; retry after the Retry-After header.")

READ_ERRORS: dict[int, OpenApiResponse] = {401: UNAUTHENTICATED, 403: FORBIDDEN}
"""Responses every authenticated endpoint can give (403: a session without its CSRF token on writes)."""
OBJECT_ERRORS: dict[int, OpenApiResponse] = {**READ_ERRORS, 404: NOT_FOUND}
INPUT_ERRORS: dict[int, OpenApiResponse] = {**READ_ERRORS, 400: VALIDATION_ERROR}


class ApiView(APIView):
    """The base of every API view.

    Token authentication comes first so that an anonymous request gets 401 with ``WWW-Authenticate: Token``
    (DRF answers 403 when the first authenticator is the session one); the SPA's session still works, with
    DRF's CSRF check on unsafe methods. Bodies are JSON only. Errors are mapped by the one handler in
    ``crmsim.exception_handler`` (REST_FRAMEWORK["EXCEPTION_HANDLER"]).
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = (
        tokens.ExpiringTokenAuthentication,
        SessionAuthentication,
    )
    parser_classes: Sequence[type[BaseParser]] = (StrictJSONParser,)
    renderer_classes: Sequence[type[BaseRenderer]] = (JSONRenderer,)


class ThrottleCreates(ApiView):
    """The 'create' throttle scope on POST only: reads stay unthrottled, creating work (and previews) do not."""

    throttle_scope = "create"

    def get_throttles(self) -> list[BaseThrottle]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []


class TimeOrderedCursor(CursorPagination):
    """Opaque-cursor pages (``?cursor=``, ``?pageSize=``); a cursor that does not decode is a 400, not DRF's 404.

    Every page carries ``count``: how many items the whole (filtered) list has, so a client can say "50 of 1,234"
    without paging to the end.
    """

    page_size = 100
    page_size_query_param = "pageSize"
    max_page_size = 1000
    count = 0

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.count = self.total(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def total(self, queryset: Any, request: Request, view: Any) -> int:
        """The list's length; subclasses may cache it where the list cannot change."""
        return int(queryset.count())

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        described["properties"] = {
            "count": {"type": "integer", "description": "Items in the whole list (with its filters), every page."},
            **described["properties"],
        }
        described["required"] = ["count", "next", "previous", "results"]
        return described

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc
        # The position is client-controlled text compared with a timestamp column: one that is not a moment
        # would fail inside the query (a 500), so it is refused here like any other bad cursor.
        if cursor is not None and cursor.position is not None and parse_moment(cursor.position) is None:
            raise exceptions.ValidationError({self.cursor_query_param: ["Invalid cursor"]})
        return cursor


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` has the wrong JSON type for ``field``, or None: DRF coerces ``"100"`` to 100 and ``"yes"``
    to True, but the API takes JSON types as they are (a string is never a number, nor a number a string)."""
    if value is None:
        return None  # allow_null / required are the field's own checks
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Must be a whole number."
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "Must be a number."
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return None if isinstance(value, str) else "Must be a string."
    return None


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not declare (a typo must not be silently ignored), read-only keys, and values of the
    wrong JSON type (no string-for-number or string-for-boolean coercion)."""

    def to_internal_value(self, data: Any) -> Any:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            for key, value in data.items():
                if key not in writable:
                    errors[str(key)] = [f"Unknown field. Allowed: {', '.join(writable)}."]
                elif (problem := json_type_error(self.fields[key], value)) is not None:
                    errors[str(key)] = [problem]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}  # a JSON type problem says more than DRF's coercion message
        if errors:
            raise serializers.ValidationError(errors)
        return value


# --- moments: ISO dates or datetimes, always UTC -----------------------------------------------------------

MOMENT_SCHEMA = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
    "description": "ISO-8601 date (midnight UTC) or datetime; without an offset it is UTC.",
}


def parse_moment(value: Any) -> dt.datetime | None:
    """An ISO-8601 date or datetime as an aware UTC datetime; None when it is neither."""
    if not isinstance(value, str) or not value.isascii():
        return None  # Django's parsers accept any Unicode digit (Arabic-Indic, ...); the API takes ASCII only
    text = value.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            moment = dt.datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        return None


@extend_schema_field(MOMENT_SCHEMA)
class MomentField(serializers.Field):
    """A serializer field for a UTC moment: accepts a date or datetime, emits ``YYYY-MM-DDTHH:MM:SSZ``."""

    default_error_messages = {"invalid": "Must be an ISO-8601 date or datetime, e.g. 2025-01-01T00:00:00Z."}

    def to_internal_value(self, data: Any) -> dt.datetime:
        moment = parse_moment(data)
        if moment is None:
            self.fail("invalid")
        assert moment is not None
        return moment

    def to_representation(self, value: dt.datetime) -> str:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MomentFormField(forms.Field):
    """The same parsing for query-string filters (django-filter builds on Django forms)."""

    default_error_messages = {"invalid": "Must be an ISO-8601 date or datetime, e.g. 2025-01-01T00:00:00Z."}

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        moment = parse_moment(value)
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 handler: JSON under /api/ (a path no route matches), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


# --- auth --------------------------------------------------------------------------------------------------


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField(help_text="When the token stops working (CRMSIM_TOKEN_TTL after issue).")


def token_response(token: tokens.Token) -> Response:
    return Response({"token": token.key, "expires": MomentField().to_representation(tokens.expires_at(token))})


class TokenView(ApiView):
    """Exchange a username and password for the user's API token (a new one once the last has expired).

    Throttled per client address (``auth`` scope) and, for failed attempts, per user name (the sign-in
    throttle of crmsim/login_throttle.py, 429 with the same message whether or not the user exists).
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = ()
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token",
        tags=["auth"],
        auth=[],
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: VALIDATION_ERROR, 429: THROTTLED},
        examples=[OpenApiExample("demo", value={"username": "demo", "password": "demo"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        attempt = TokenRequestSerializer(data=request.data)
        attempt.is_valid(raise_exception=True)
        username = attempt.validated_data["username"]
        wait = login_throttle.username_counter().wait(login_throttle.normalized_username(username))
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=login_throttle.lockout_text(wait))
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        if not credentials.is_valid():
            login_throttle.record_failure(username)
            raise exceptions.ValidationError(credentials.errors)
        return token_response(tokens.issue_token(user=credentials.validated_data["user"]))


# --- health ------------------------------------------------------------------------------------------------

BROKER_TIMEOUT_SECONDS = 2.0


def _check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"
    return "ok"


def _check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "not configured"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def health_report() -> dict[str, str]:
    """``{"status": "ok"|"degraded", "database": ..., "broker": ...}``; the broker only when one is configured.

    The details may name hosts and errors: only staff see them (``HealthView``).
    """
    report = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value in ("ok", "not configured") for value in report.values())
    return {"status": "ok" if healthy else "degraded", **report}


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded"])
    database = serializers.CharField(
        required=False, help_text='Staff only: "ok" or "error: <reason>" (the reason may name the host).'
    )
    broker = serializers.CharField(
        required=False, help_text='Staff only: "ok", "not configured" (embedded mode) or "error: <reason>".'
    )


class HealthView(ApiView):
    """Liveness and readiness for load balancers: 200 when the database (and broker, if any) answer, else 503.

    Anonymous callers get only ``{"status": "ok"|"degraded"}``; a signed-in staff user also gets what each
    check said. A bad token is still a 401.
    """

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="healthz", tags=["health"], auth=[], responses={200: HealthSerializer, 503: HealthSerializer}
    )
    def get(self, request: Request) -> Response:
        report = health_report()
        status = 200 if report["status"] == "ok" else 503
        if not request.user.is_staff:
            report = {"status": report["status"]}
        return Response(report, status=status)
