"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Reads need no key; filing a request needs an API key with the `requests:file` scope, sent as the
spec's `api_key` form field (or the portal's Api-Key header). Every answer, errors included, is in
the format the path names: `.json` or `.xml`. Each endpoint is one class per format so that the
OpenAPI schema shows concrete paths with their own media type.
"""

import datetime as dt

from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.auth import ApiKeyAuthentication, HasScope
from apps.api.models import Scope
from apps.api.open311 import docs, selectors
from apps.api.open311.intake import open311_request_file, service_definition, service_notice
from apps.api.open311.renderers import Open311JSONRenderer, Open311XMLRenderer, xml_document
from apps.api.v1.dates import utc_moment
from apps.core.net import client_ip
from apps.desk.tracking import tracking_code_clean

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WINDOW = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_LIST_ITEMS = 100
MAX_PARAM = 1000


class Open311KeyAuthentication(ApiKeyAuthentication):
    """The portal's key check, answering as Open311 does: a missing or invalid key is a 403 (DRF
    turns 401 into 403 when no authentication header is offered), and a body that cannot be read is a 400."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except (SuspiciousOperation, MultiPartParserError, UnicodeError) as exc:
            raise exceptions.ParseError(_("The request body cannot be read.")) from exc

    def authenticate_header(self, request):
        return None


class Open311View(APIView):
    """Base of every endpoint: the error array of the spec, in the path's format, never a page."""

    open311 = True
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = []
    renderer_classes = [Open311JSONRenderer]
    xml_root, xml_item = "response", "item"

    def perform_content_negotiation(self, request, force=False):
        # The path names the format: a client's Accept header never turns it into a 406.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    def handle_exception(self, exc):
        if isinstance(exc, SuspiciousOperation | MultiPartParserError | UnicodeError):
            exc = exceptions.ParseError(_("The request cannot be read."))
        return super().handle_exception(exc)

    # Query parameters: bounded, and refused with a 400 that names them.
    def param(self, name: str, limit: int = 100) -> str:
        value = self.request.query_params.get(name, "")
        if len(value) > limit:
            raise exceptions.ValidationError(_("%(name)s is too long.") % {"name": name})
        return value.strip()

    def param_list(self, name: str, item_limit: int = 30) -> list[str]:
        items = [v.strip() for v in self.param(name, MAX_PARAM).split(",") if v.strip()]
        if len(items) > MAX_LIST_ITEMS or any(len(v) > item_limit for v in items):
            raise exceptions.ValidationError(_("%(name)s lists too many or too long values.") % {"name": name})
        return items

    def param_int(self, name: str, *, default=None, low: int = 1, high: int = 10**9):
        value = self.param(name, 12)
        if not value:
            return default
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise exceptions.ValidationError(
                _("%(name)s must be a whole number from %(low)s to %(high)s.") % {"name": name, "low": low, "high": high}
            )
        return int(value)

    def jurisdiction(self) -> int | None:
        return self.param_int("jurisdiction_id")

    def param_datetime(self, name: str) -> dt.datetime | None:
        value = self.param(name, 40)
        if not value:
            return None
        try:
            parsed = parse_datetime(value)
            if parsed is None and (day := parse_date(value)) is not None:
                parsed = dt.datetime.combine(day, dt.time())
        except ValueError:
            parsed = None
        if parsed is None:
            raise exceptions.ValidationError(
                _("%(name)s must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.") % {"name": name}
            )
        parsed = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        try:
            return utc_moment(parsed)
        except ValueError:
            raise exceptions.ValidationError(
                _("%(name)s must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.") % {"name": name}
            ) from None


def _service(view: Open311View, code: str):
    """The one published service a code names (with jurisdiction_id when several bodies use it)."""
    if len(code) > 30:
        raise exceptions.NotFound(_("No service has this code."))
    matches = selectors.open311_service_matches(code, body_id=view.jurisdiction())
    if not matches:
        raise exceptions.NotFound(_("No service has this code."))
    if len(matches) > 1:
        raise exceptions.ValidationError(
            _("Several bodies offer a service with this code: give jurisdiction_id, one of %(ids)s.")
            % {"ids": ", ".join(str(s.body_id) for s in matches)}
        )
    return matches[0]


class DiscoveryView(Open311View):
    xml_root = "discovery"

    def get(self, request, **kwargs):
        from django.conf import settings

        changeset = selectors.w3c(selectors.catalog_changeset())
        root = request.build_absolute_uri(reverse("open311:discovery_json")).rsplit("/", 1)[0]
        return Response({
            "changeset": changeset,
            "contact": settings.OPEN311_CONTACT or docs.DEFAULT_CONTACT,
            "key_service": _("API keys are issued by the portal's administrator: ask for a key bound to your "
                             "unit or body with the requests:file scope."),
            "endpoints": [{
                "specification": SPECIFICATION, "url": root, "changeset": changeset, "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        })


class ServiceListView(Open311View):
    xml_root, xml_item = "services", "service"

    def get(self, request, **kwargs):
        return Response([
            {
                "service_code": s.code, "service_name": s.title, "description": s.description, "metadata": True,
                "type": "realtime", "keywords": ", ".join([s.service_type, s.body.name]), "group": s.body.name,
            }
            for s in selectors.open311_services(body_id=self.jurisdiction())
        ])


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    def get(self, request, service_code: str, **kwargs):
        return Response(service_definition(_service(self, service_code)))


class RequestsView(Open311View):
    """GET: requests' public status; POST: file a request (needs a key with requests:file)."""

    xml_root, xml_item = "service_requests", "request"
    parser_classes = [FormParser, MultiPartParser]
    required_scopes = {"POST": Scope.REQUESTS_FILE}

    def initialize_request(self, request, *args, **kwargs):
        self._filing = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        return [Open311KeyAuthentication()] if getattr(self, "_filing", False) else []

    def get_permissions(self):
        return [HasScope()] if getattr(self, "_filing", False) else [AllowAny()]

    def get(self, request, **kwargs):
        page = self.param_int("page", default=1, high=100_000)
        size = self.param_int("page_size", default=100, high=MAX_PAGE_SIZE)
        statuses = {s.lower() for s in self.param_list("status")}
        if statuses - {"open", "closed"}:
            raise exceptions.ValidationError(_("status must be open, closed, or both (comma separated)."))
        ids = self.param_list("service_request_id")
        service_codes = self.param_list("service_code")
        body_id = self.jurisdiction()
        start, end = self.param_datetime("start_date"), self.param_datetime("end_date")
        if ids:
            return Response(selectors.open311_requests(
                ids=[tracking_code_clean(i) for i in ids], offset=(page - 1) * size, limit=size,
            ))
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
        if start > end:
            raise exceptions.ValidationError(_("start_date must not be after end_date."))
        if end - start > WINDOW:
            raise exceptions.ValidationError(_("The dates may span at most 90 days."))
        return Response(selectors.open311_requests(
            service_codes=service_codes, body_id=body_id, start=start, end=end, statuses=statuses,
            offset=(page - 1) * size, limit=size,
        ))

    def post(self, request, **kwargs):
        try:
            post, files = request.POST, request.FILES
            service = _service(self, str(post.get("service_code", ""))[:100].strip())
            sr = open311_request_file(service=service, client=request.user, post=post, files=files,
                                      address=client_ip(request._request))
        except (exceptions.APIException, SuspiciousOperation, MultiPartParserError, UnicodeError):
            raise
        except Exception as exc:
            # Whatever else went wrong inside, the integrating system gets the spec's 400, never a 500.
            import logging

            logging.getLogger(__name__).exception("Open311 request filing failed")
            raise exceptions.ValidationError(_("The request could not be registered.")) from exc
        return Response([{"service_request_id": sr.tracking_code, "service_notice": service_notice(sr),
                          "account_id": None}])

    def jurisdiction(self) -> int | None:
        if getattr(self, "_filing", False):
            value = str(self.request.POST.get("jurisdiction_id", "")).strip()
            if not value:
                return None
            if not (value.isascii() and value.isdigit() and len(value) < 12):
                raise exceptions.ValidationError(_("jurisdiction_id must be a whole number."))
            return int(value)
        return super().jurisdiction()


class RequestDetailView(Open311View):
    xml_root, xml_item = "service_requests", "request"

    def get(self, request, service_request_id: str, **kwargs):
        row = selectors.open311_request(tracking_code_clean(service_request_id)[:20])
        if row is None:
            raise exceptions.NotFound(_("No request has this id."))
        return Response([row])


class TokenView(Open311View):
    """A POST answers the request's id at once, so a token is the tracking code itself."""

    xml_root, xml_item = "service_requests", "request"

    def get(self, request, token: str, **kwargs):
        row = selectors.open311_request(tracking_code_clean(token)[:20])
        if row is None:
            raise exceptions.NotFound(_("No request has this token."))
        return Response([{"service_request_id": row["service_request_id"], "token": row["service_request_id"]}])


@extend_schema(exclude=True)
class NotFoundView(Open311View):
    """Any other path under /open311/v2/: the spec's 404, in XML when the path asks for it."""

    def get_renderers(self):
        xml = self.request is not None and self.request.path.endswith(".xml")
        return [Open311XMLRenderer() if xml else Open311JSONRenderer()]

    def _missing(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("There is no such Open311 endpoint."))

    get = post = put = patch = delete = options = _missing


def open311_error(request, status: int, description: str):
    """An error answered outside a view (the input limits met before any view ran), in the spec's shape."""
    from django.http import HttpResponse

    body = [{"code": status, "description": str(description)}]
    if request.path.endswith(".xml"):
        return HttpResponse(xml_document(body, root="errors", item="error"), status=status,
                            content_type="text/xml; charset=utf-8")
    return HttpResponse(Open311JSONRenderer().render(body), status=status,
                        content_type="application/json; charset=utf-8")


# --- one class per format, each documented for the schema ---------------------------------------

def _documented(base: type, **methods: dict) -> dict[str, type]:
    views = {}
    for fmt, renderer in (("json", Open311JSONRenderer), ("xml", Open311XMLRenderer)):
        cls = type(f"{base.__name__}{fmt.upper()}", (base,), {"renderer_classes": [renderer],
                                                             "__module__": base.__module__})
        views[fmt] = extend_schema_view(
            **{method: extend_schema(**docs.schema_for(fmt, base, **kw)) for method, kw in methods.items()}
        )(cls)
    return views


DISCOVERY = _documented(DiscoveryView, get=docs.DISCOVERY)
SERVICES = _documented(ServiceListView, get=docs.SERVICES)
SERVICE_DEFINITION = _documented(ServiceDefinitionView, get=docs.SERVICE_DEFINITION)
REQUESTS = _documented(RequestsView, get=docs.REQUESTS, post=docs.REQUEST_CREATE)
REQUEST = _documented(RequestDetailView, get=docs.REQUEST)
TOKEN = _documented(TokenView, get=docs.TOKEN)
