"""Every refusal as `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, and `errors` (a list
of `{field, message}`; `field` is empty for the request as a whole, a dotted path such as `rows.3.quantity` for one
item). The services' own refusals map to 400 (the input breaks a rule), 403 (the role may not), 404 (not in the
client's scope) or 409 (the record is not in a state that allows it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from claims import rules as claims_rules
from claims.services import errors as claims_errors
from commissioning.services import errors as commissioning_errors
from contracts.services import errors as contracts_errors
from contracts.services.usage_import import ImportRefused
from ledger import services as ledger_services
from support.services import errors as support_errors

from .services import ApiClientError, IdempotencyConflict

PROBLEM = "application/problem+json"
TYPE_BASE = "https://adoption-support.example.gov.uk/api/problems/"

CONFLICTS: tuple[type[Exception], ...] = (
    support_errors.InvalidTransition, claims_errors.InvalidTransition, commissioning_errors.InvalidTransition,
    contracts_errors.InvalidTransition, IdempotencyConflict, ledger_services.IdempotencyConflict,
)
FORBIDDEN: tuple[type[Exception], ...] = (support_errors.NotPermitted, claims_errors.NotPermitted,
                                          support_errors.SelfApproval)
NOT_FOUND: tuple[type[Exception], ...] = (commissioning_errors.NotYourReferral,)
BAD_REQUEST: tuple[type[Exception], ...] = (
    support_errors.SupportError, claims_errors.ClaimsError, commissioning_errors.ReferralError,
    contracts_errors.ContractError, ledger_services.LedgerError, ApiClientError, claims_rules.RuleError,
)

TITLES = {
    400: "The request is not valid", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 409: "Conflict with the record's state",
    413: "The request body is too large", 415: "Unsupported media type", 429: "Too many requests",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, message}."""
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out += [{"field": prefix, "message": str(item)} for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out += _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        out.append({"field": prefix, "message": str(detail)})
    return out


def problem(status_code: int, detail: str, *, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = {
        "type": f"{TYPE_BASE}{status_code}", "title": TITLES.get(status_code, "Error"), "status": status_code,
        "detail": detail, "errors": errors or [], **extra,
    }
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM)


def _django_validation(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [{"field": "" if field == "__all__" else field, "message": message}
                for field, messages in exc.message_dict.items() for message in messages]
    return [{"field": "", "message": message} for message in exc.messages]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, (Http404, ObjectDoesNotExist, exceptions.NotFound, *NOT_FOUND)):
        return problem(404, "There is no such record that this client can see.")
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        errors = _django_validation(exc)
        return problem(400, errors[0]["message"] if len(errors) == 1 else "The request breaks the rules below.",
                       errors=errors)
    if isinstance(exc, ImportRefused):
        errors = [{"field": f"rows.{p.row - 2}.{p.column}", "message": p.message} for p in exc.report.problems]
        return problem(400, f"{len(errors)} problem(s) in the rows: nothing was recorded.", errors=errors)
    for kinds, code in ((CONFLICTS, 409), (FORBIDDEN, 403), (BAD_REQUEST, 400)):
        if isinstance(exc, kinds):
            return problem(code, str(exc), errors=[{"field": "", "message": str(exc)}])
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    headers = {k: v for k, v in response.headers.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        return problem(400, "The request is not valid: see errors.", errors=_flatten(exc.detail), headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else "; ".join(m["message"] for m in _flatten(exc.detail))
    if isinstance(exc, exceptions.NotAuthenticated):
        detail = "Send the client's token: Authorization: Bearer <token>."
    return problem(response.status_code, str(detail), headers=headers)
