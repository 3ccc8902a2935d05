"""Printed documents of the catalog (SPEC §3, §10): a service's information brochure and its table 1
workflow sheet, the sign of a counter and an employee's desk name plate (seed 001 item 7).

Every object comes through a scoped selector, so another body's service or another unit's counter
or employee answers 404 exactly like the screens do.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from apps.catalog import selectors
from apps.catalog.models import Channel, SubService, WorkflowStage
from apps.core import worktime
from apps.core.access import get_or_404
from apps.core.pdf import pdf_response, render_pdf
from apps.core.qr import qr_data_uri
from apps.orgs import selectors as org_selectors
from apps.orgs.models import Counter

_UNIT_LABELS = dict(worktime.DURATION_UNITS)


def _service_document(*, user, pk: int) -> SubService:
    """The scoped service with everything its printed documents show, in a fixed number of queries."""
    service = get_or_404(selectors.manage_service_get, user=user, pk=pk)
    prefetch_related_objects(
        [service],
        "body__parent",
        Prefetch("stages", queryset=WorkflowStage.objects.select_related("responsible_unit")),
        "documents", "inquiries", "fees", "laws", "faqs", "forms", "units",
        Prefetch("counters", queryset=Counter.objects.select_related("unit").filter(active=True)),
    )
    return service


def _amount(value: Decimal) -> Decimal | int:
    # DecimalField gives 3.0; a printed table says 3 and keeps 1.5 as it is.
    return int(value) if value == value.to_integral_value() else value.normalize()


def _duration_parts(totals: dict[str, Decimal]) -> list[dict]:
    """[{"amount": 9, "unit": "روز کاری"}, {"amount": 4, "unit": "ساعت"}]: the units that occur, days first."""
    units = sorted(worktime.DURATION_UNITS, key=lambda choice: choice[0] == worktime.HOUR)
    return [{"amount": _amount(totals[unit]), "unit": label} for unit, label in units if totals.get(unit)]


def _group_account(account: str) -> str:
    # An IBAN printed in groups of four is how banks print it, is easier to copy into a bank app,
    # and can wrap inside a narrow table cell instead of overflowing it.
    compact = account.replace(" ", "")
    if len(compact) == 26 and compact[:2].upper() == "IR" and compact[2:].isdigit():
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return account


@login_required
@require_safe
def print_brochure(request: HttpRequest, pk: int) -> HttpResponse:
    """The information document of a service as a brochure to hand out or post (A4, or A5 with ?size=a5)."""
    service = _service_document(user=request.user, pk=pk)
    size = "A5" if request.GET.get("size", "").lower() == "a5" else "A4"
    public_url = f"{settings.SITE_URL}{reverse('services:detail', args=[service.pk])}" if service.active else ""
    fees = list(service.fees.all())
    for fee in fees:
        fee.account_display = _group_account(fee.account)
    context = {
        "service": service,
        "body": service.body,
        "size": size,
        "addresses": [line.strip() for line in service.addresses.splitlines() if line.strip()],
        "stages": service.stages.all(),
        "promised": _duration_parts(selectors.service_total_duration(service)),
        "average": (
            {"amount": _amount(service.average_duration), "unit": _UNIT_LABELS[service.average_duration_unit]}
            if service.average_duration else None
        ),
        "fees": fees,
        "fees_total": sum(fee.amount_rials for fee in fees) if len(fees) > 1 else None,
        "show_reason": service.channel != Channel.ELECTRONIC and bool(service.non_electronic_reason),
        "public_url": public_url,
        "public_qr": qr_data_uri(public_url) if public_url else "",
        "printed_at": timezone.now(),
    }
    pdf = render_pdf("pdf/service_brochure.html", context, request=request)
    return pdf_response(pdf, f"service-{service.code}-brochure-{size.lower()}.pdf")


@login_required
@require_safe
def print_workflow(request: HttpRequest, pk: int) -> HttpResponse:
    """Table 1 of guide 2 (جدول ۱): the workflow stages of a service with their agreed durations."""
    service = _service_document(user=request.user, pk=pk)
    context = {
        "service": service,
        "body": service.body,
        "stages": service.stages.all(),
        "totals": _duration_parts(selectors.service_total_duration(service)),
        "printed_at": timezone.now(),
    }
    pdf = render_pdf("pdf/service_workflow.html", context, request=request)
    return pdf_response(pdf, f"service-{service.code}-table-1.pdf")


def _sign_density(count: int) -> str:
    # Thresholds measured on the landscape sheet: what fits in one column of 20 pt, two of 16 pt,
    # two of 12 pt; beyond that three columns of 10 pt.
    if count <= 6:
        return "large"
    if count <= 16:
        return "medium"
    return "small" if count <= 30 else "tiny"


@login_required
@require_safe
def print_counter_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign above a counter: its number and the sub-services it serves (guide 2, step 8)."""
    counter = get_or_404(org_selectors.counter_get, user=request.user, pk=pk)
    services = list(counter.services.filter(active=True).order_by("code"))
    context = {
        "counter": counter,
        "body": counter.unit.body,
        "services": services,
        "staff": counter.staff.filter(active=True).order_by("last_name", "first_name"),
        # One sheet whatever the number of services: the type steps down as the list grows.
        "density": _sign_density(len(services)),
    }
    pdf = render_pdf("pdf/counter_sign.html", context, request=request)
    return pdf_response(pdf, f"counter-{counter.number}-sign.pdf")


@login_required
@require_safe
def print_name_plate(request: HttpRequest, pk: int) -> HttpResponse:
    """An employee's desk name plate: name, post, main duties, unit (seed 001 item 7)."""
    member = get_or_404(org_selectors.staff_get, user=request.user, pk=pk)
    duties = [line.strip(" -•\t") for line in member.main_duties.splitlines() if line.strip(" -•\t")]
    length = sum(len(line) for line in duties)
    context = {
        "member": member,
        "body": member.unit.body,
        "duties": duties,
        "density": "large" if length <= 90 else "medium" if length <= 220 else "small",
    }
    pdf = render_pdf("pdf/staff_name_plate.html", context, request=request)
    return pdf_response(pdf, f"name-plate-{member.personnel_code or member.pk}.pdf")


urlpatterns = [
    path("services/<int:pk>/print/brochure.pdf", print_brochure, name="print_brochure"),
    path("services/<int:pk>/print/workflow.pdf", print_workflow, name="print_workflow"),
    path("counters/<int:pk>/print/sign.pdf", print_counter_sign, name="print_counter_sign"),
    path("staff/<int:pk>/print/name-plate.pdf", print_name_plate, name="print_name_plate"),
]
