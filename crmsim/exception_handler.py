"""The API's one exception handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]): domain errors to HTTP responses.

Views and services never translate errors by hand. Bodies follow the error contract of ``crmsim.api``:

- ``InvalidInput`` (and ``LimitReached``), Django's ``ValidationError``: 400, ``{"field.path": [messages]}``;
- a malformed JSON body (DRF's ``ParseError``): 400, ``{"non_field_errors": [message]}``;
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, ``{"detail": message}`` (not Django's HTML 400 page);
- ``NotFound`` 404, ``NotAllowed`` 403, ``StateConflict`` 409: ``{"detail": message}``;
- anything else: DRF's own handler (401, 403, 404, 405, 429, ...).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from crmsim.errors import NON_FIELD_ERRORS, ApplicationError, InvalidInput, NotAllowed, NotFound, StateConflict
from crmsim.parsers import RequestTooLarge

DETAIL_STATUS: dict[type[ApplicationError], int] = {NotFound: 404, NotAllowed: 403, StateConflict: 409}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map ``exc`` to a response; None lets Django handle it (a 500)."""
    if isinstance(exc, InvalidInput):
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, ApplicationError):
        status = next((code for kind, code in DETAIL_STATUS.items() if isinstance(exc, kind)), 400)
        return Response({"detail": str(exc)}, status=status)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ValidationError({NON_FIELD_ERRORS: [str(exc.detail)]})
    elif isinstance(exc, RequestDataTooBig):  # Django's own check, when DRF reads request.body
        exc = RequestTooLarge()
    return exception_handler(exc, context)
