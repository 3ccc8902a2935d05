"""Portal pages of the organisation: units, staff and counters in the user's scope."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.access import get_or_404
from apps.core.text import search_query
from apps.orgs import roles, selectors


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/unit_list.html", {"units": selectors.unit_list(user=request.user)})


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_or_404(selectors.unit_get, user=request.user, pk=pk)
    staff = selectors.staff_list(user=request.user).filter(unit=unit)
    counters = selectors.counter_list(user=request.user).filter(unit=unit)
    return render(request, "orgs/unit_detail.html", {"unit": unit, "staff": staff, "counters": counters})


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    query = search_query(request)
    page = Paginator(selectors.staff_list(user=request.user, query=query), 50).get_page(request.GET.get("page"))
    return render(request, "orgs/staff_list.html", {"page": page, "staff": page.object_list, "q": query})


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_or_404(selectors.staff_get, user=request.user, pk=pk)
    can_manage_qr = roles.has_role(request.user, roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
    return render(
        request,
        "orgs/staff_detail.html",
        {
            "member": member,
            # The QR signs are printed by whoever issues the codes (apps.feedback.views.qr.QR_ROLES).
            "can_manage_qr": can_manage_qr,
            "has_code": can_manage_qr and member.qr_codes.filter(revoked_at__isnull=True).exists(),
        },
    )


@login_required
def counter_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/counter_list.html", {"counters": selectors.counter_list(user=request.user)})
