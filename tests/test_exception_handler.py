"""The API's one exception handler: each domain error maps to one status and body shape."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ParseError

from crmsim.errors import InvalidInput, LimitReached, NotAllowed, NotFound, StateConflict
from crmsim.exception_handler import api_exception_handler


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (InvalidInput({"seed": ["Must be in [0, 2^63)."]}), 400, {"seed": ["Must be in [0, 2^63)."]}),
        (InvalidInput({"parameters": {"a.b": ["Missing."]}}), 400, {"parameters": {"a.b": ["Missing."]}}),
        (LimitReached("Too many."), 400, {"non_field_errors": ["Too many."]}),
        (NotFound("No such thing."), 404, {"detail": "No such thing."}),
        (NotAllowed("Built-in."), 403, {"detail": "Built-in."}),
        (
            StateConflict("Cannot start a simulation that is running."),
            409,
            {"detail": "Cannot start a simulation that is running."},
        ),
        (DjangoValidationError({"slug": ["Taken."]}), 400, {"slug": ["Taken."]}),
        (DjangoValidationError("Whole."), 400, {"non_field_errors": ["Whole."]}),
        (ParseError("JSON parse error"), 400, {"non_field_errors": ["JSON parse error"]}),
    ],
)
def test_each_error_maps_to_its_status_and_body(error: Exception, status: int, body: object) -> None:
    response = api_exception_handler(error, {})
    assert response is not None
    assert (response.status_code, response.data) == (status, body)


def test_anything_else_is_left_to_django() -> None:
    assert api_exception_handler(RuntimeError("boom"), {}) is None
