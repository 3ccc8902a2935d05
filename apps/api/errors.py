"""One shape of error for every API call, never an HTML page or a 500 for bad input.

/api/v1/ answers `{"detail": "...", "code": "...", "errors": {field: [messages]}}`; Open311 views
render their own shape (a list of `{code, description}`) from the same handler, through their
renderers. A model's ValidationError (a service function refusing the input) is a 400, a
TransitionConflict (someone acted first) a 409.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_flatten(v)}" if k not in ("non_field_errors", "__all__") else _flatten(v)
                        for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {k if k != "__all__" else "non_field_errors": v for k, v in exc.message_dict.items()}
    return {"non_field_errors": exc.messages}


def api_exception_handler(exc, context):
    from apps.desk.services import TransitionConflict

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    elif isinstance(exc, TransitionConflict):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    view = context.get("view")
    if getattr(view, "open311", False):
        response.data = [{"code": response.status_code, "description": _flatten(detail)}]
        return response
    body = {"detail": _flatten(detail), "code": getattr(exc, "default_code", "error")}
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        body["errors"] = detail
        body["code"] = "invalid"
    response.data = body
    return response


def error_response(status_code: int, description: str) -> Response:
    return Response({"detail": description, "code": "error"}, status=status_code)


def api_error_outside_view(request, status_code: int, description: str):
    """An error met before or outside any API view (the input limits, an unmatched URL, a crash), in
    the shape of the API the path belongs to; None for the portal's own pages."""
    from django.http import JsonResponse

    path = request.path
    if path.startswith("/open311/"):
        from apps.api.open311.views import open311_error

        return open311_error(request, status_code, description)
    if path.startswith("/api/"):
        return JsonResponse({"detail": str(description), "code": "error"}, status=status_code,
                            json_dumps_params={"ensure_ascii": False})
    return None
