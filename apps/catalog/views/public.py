"""The public catalog (no login): search, a service's information document, a body's services and
counters, and the download of published forms. Phone first and usable without JavaScript."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, SuspiciousFileOperation
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import urlencode
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from apps.catalog import selectors
from apps.catalog.models import Channel, ServiceType
from apps.core import pagecache
from apps.core.text import normalize_digits, search_query
from apps.core.uploads import DOCUMENTS, private_file_response

PAGE_SIZE = 25
# Long enough for any title or code a person types; a cap keeps one request to a few LIKE clauses.


def _search_rate(group, request) -> str:
    return settings.PUBLIC_SEARCH_RATE


def _positive_int(value: str) -> int | None:
    value = normalize_digits((value or "").strip())
    # Eighteen digits still fit a 64-bit column; a longer number would crash the database driver.
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        return None
    return int(value) or None


def _not_found(request: HttpRequest) -> HttpResponse:
    # A printed brochure may outlive its service: say so and point to the catalog, not a bare 404.
    return render(request, "catalog/public_not_found.html", status=404)


@require_safe
@ratelimit(key="ip", rate=_search_rate, block=True)
@pagecache.public_page(["public"], seconds=300)
def service_list(request: HttpRequest) -> HttpResponse:
    """Search and filter the published services; the bodies to browse when nothing is asked yet."""
    query = search_query(request)
    channel = request.GET.get("channel", "")
    channel = channel if channel in Channel.values else ""
    service_type = request.GET.get("type", "")
    service_type = service_type if service_type in ServiceType.values else ""
    body_id = _positive_int(request.GET.get("body", ""))

    services = selectors.public_service_list(
        query=query, channel=channel, service_type=service_type, body_id=body_id
    )
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"q": query, "channel": channel, "type": service_type, "body": body_id or ""}
    return render(
        request,
        "catalog/public_list.html",
        {
            "page": page,
            "services": page.object_list,
            "bodies": list(selectors.public_body_list()),
            "channels": Channel.choices,
            "types": ServiceType.choices,
            "q": query,
            "channel": channel,
            "service_type": service_type,
            "body_id": body_id,
            "searching": any(filters.values()),
            "more_filters": bool(channel or service_type or body_id),
            "filter_qs": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


@require_safe
@pagecache.public_page(["public"], seconds=300)
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The information document of one active service (SPEC §3)."""
    try:
        service = selectors.public_service_get(pk=pk)
    except ObjectDoesNotExist:
        return _not_found(request)
    forms = list(service.forms.all())
    for form in forms:
        form.extension = Path(form.file.name).suffix.lstrip(".").upper()
    return render(
        request,
        "catalog/public_detail.html",
        {
            "service": service,
            "stages": service.stages.all(),
            "total": selectors.service_total_duration(service),
            "addresses": [line.strip() for line in service.addresses.splitlines() if line.strip()],
            "forms": forms,
            "show_reason": service.channel != Channel.ELECTRONIC and service.non_electronic_reason,
        },
    )


@require_safe
def form_download(request: HttpRequest, pk: int, form_id: int) -> FileResponse:
    """A published form or letter template, as an attachment named after its title."""
    try:
        form = selectors.public_service_form_get(service_pk=pk, pk=form_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    return private_file_response(form.file, allowed=DOCUMENTS, filename=_download_name(form))


def _download_name(form) -> str:
    # The title is what the citizen recognises in their downloads folder; the stored name is not.
    # The extension is added from the file's detected type.
    try:
        return get_valid_filename(form.title)
    except SuspiciousFileOperation:
        return Path(form.file.name).stem


@require_safe
@pagecache.public_page(["public"], seconds=300)
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A body's published services and the counters of its desks, with what each counter serves."""
    body = selectors.public_body_list().filter(pk=pk).first()
    if body is None:
        return _not_found(request)
    services = selectors.public_service_list(body_id=body.pk)
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/public_body.html",
        {
            "body": body,
            "page": page,
            "services": page.object_list,
            "counters": selectors.public_body_counters(body=body),
            "filter_qs": "",
        },
    )


urlpatterns = [
    path("", service_list, name="list"),
    path("<int:pk>/", service_detail, name="detail"),
    path("<int:pk>/forms/<int:form_id>/", form_download, name="form_download"),
    path("body/<int:pk>/", body_detail, name="body"),
]
