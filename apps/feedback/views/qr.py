"""Staff QR codes and ratings (SPEC §5.2, seed 000).

Staff pages under /feedback/ (`urlpatterns`): the desk clerk issues codes and prints cards, signs and
the participation poster, replaces a lost card and revokes a leaver's; a supervisor reviews held
ratings, a burst at a time or one by one; an employee's ratings page.
The public rating page at /q/<token> (`public_urlpatterns`): no login, phone first, works without
JavaScript. Views parse input and call apps.feedback.services / ratings / qr.
"""

import datetime as dt
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.signing import BadSignature
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from apps.core import pagecache
from apps.core.access import get_or_404, role_required
from apps.core.filejobs import file_job_start
from apps.core.models import FileJob
from apps.core.net import client_ip
from apps.core.pdf import pdf_response, render_pdf
from apps.core.scoping import scope_by_body, scope_queryset
from apps.core.templatetags.portal import digits
from apps.core.text import search_query
from apps.core.uploads import IMAGES, private_file_response
from apps.core.validators import normalize_mobile
from apps.desk.tracking import tracking_code_check_digit_ok, tracking_code_clean
from apps.feedback import qr, ratings, services
from apps.feedback.models import StaffQRCode, StaffRating
from apps.orgs import roles
from apps.orgs.models import Body, OrgUnit, Staff

QR_ROLES = (roles.DESK_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
REVIEW_ROLES = (roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)
# Who reads an employee's ratings besides the employee: the desk, supervisors and auditors — not
# colleagues (unit officers) reading each other's.
RATINGS_ROLES = (
    roles.DESK_CLERK,
    roles.BODY_SUPERVISOR,
    roles.PROVINCIAL_AUDITOR,
    roles.NATIONAL_AUDITOR,
    roles.ADMINISTRATOR,
)

BURSTS_PER_PAGE = 20
# The most ratings one burst decision takes (the rate limit per address keeps real bursts far below).
BURST_MAX = 2000
DEVICE_COOKIE = "rate_device"
DEVICE_SALT = "feedback.rate_device"
DEVICE_MAX_AGE = 365 * 24 * 3600
PERIOD_DAYS = {"30": 30, "90": 90, "365": 365}


def _me(request: HttpRequest) -> Staff | None:
    """The acting employee (apps.orgs.backends logs in active staff only; None is belt and braces)."""
    return getattr(request.user, "staff", None)


def _scoped_staff(user) -> QuerySet[Staff]:
    return scope_queryset(Staff.objects.all(), user)


def _scoped_unit(user, pk) -> OrgUnit:
    try:
        return scope_queryset(OrgUnit.objects.select_related("body"), user, unit_field=None).get(pk=int(pk))
    except (ValueError, TypeError, OrgUnit.DoesNotExist) as exc:
        raise Http404 from exc


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isascii() and str(v).isdigit()][: qr.CARDS_MAX + 1]


def _safe_next(request: HttpRequest, target: str) -> str:
    """A same-site path to return to after an action (the list with its filters), else the list."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("feedback:qr_list")


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request, request.POST.get("next", "")))


# --- staff pages: issue and print -------------------------------------------------------------


@role_required(*QR_ROLES)
@require_safe
def qr_list(request: HttpRequest) -> HttpResponse:
    """Staff of my units with the state of their code: issue, reissue and print."""
    user = request.user
    units = scope_queryset(OrgUnit.objects.select_related("body"), user, unit_field=None).order_by("path")
    unit = _scoped_unit(user, request.GET["unit"]) if request.GET.get("unit") else None
    query = search_query(request)
    staff_qs = qr.qr_staff_list(user=user, unit=unit, query=query)
    page = Paginator(staff_qs, 50).get_page(request.GET.get("page"))
    members = list(page.object_list)
    summaries = ratings.staff_rating_summaries(staff_qs=Staff.objects.filter(pk__in=[m.pk for m in members]))
    for member in members:
        member.live_code = member.live_codes[0] if member.live_codes else None
        member.rating = summaries.get(member.pk)
    active = staff_qs.filter(active=True)
    bodies = scope_by_body(Body.objects.all(), user, body_field="pk").order_by("name_fa")
    return render(
        request,
        "feedback/qr_list.html",
        {
            "units": units,
            "unit": unit,
            "q": query,
            "page": page,
            "members": members,
            "active_count": active.count(),
            "without_code": active.exclude(
                pk__in=StaffQRCode.objects.filter(revoked_at__isnull=True).values("staff_id")
            ).count(),
            "bodies": bodies,
            "default_body": unit.body_id if unit else getattr(_me(request), "body_id", None),
            "here": request.get_full_path(),
            "perms_review": roles.has_role(user, *REVIEW_ROLES),
        },
    )


@role_required(*QR_ROLES)
@require_POST
def qr_issue(request: HttpRequest) -> HttpResponse:
    """Issue codes for the employees ticked on the list (those who have one keep it)."""
    chosen = _scoped_staff(request.user).filter(pk__in=_ids(request.POST.getlist("staff")), active=True)
    if not chosen.exists():
        messages.warning(request, _("Tick the employees who need a code first."))
        return _back(request)
    before = StaffQRCode.objects.filter(staff__in=chosen, revoked_at__isnull=True).count()
    codes = services.staff_qr_issue_many(staff=chosen, by=_me(request))
    messages.success(
        request,
        digits(
            _("%(new)d new codes issued; %(all)d of the ticked employees have a code.")
            % {
                "new": len(codes) - before,
                "all": len(codes),
            }
        ),
    )
    return _back(request)


@role_required(*QR_ROLES)
@require_POST
def qr_issue_unit(request: HttpRequest) -> HttpResponse:
    """Issue codes for every active employee of a unit and the units below it."""
    unit = _scoped_unit(request.user, request.POST.get("unit"))
    before = StaffQRCode.objects.filter(
        staff__unit__path__startswith=unit.path, staff__active=True, revoked_at__isnull=True
    ).count()
    codes = services.staff_qr_issue_unit(unit=unit, by=_me(request))
    messages.success(
        request,
        digits(
            _(
                "%(unit)s: %(new)d new codes issued; all %(all)d active employees have a code. Print their cards."
            )
            % {
                "unit": unit.name,
                "new": len(codes) - before,
                "all": len(codes),
            }
        ),
    )
    return redirect(f"{reverse('feedback:qr_list')}?unit={unit.pk}")


@role_required(*QR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def qr_reissue(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A lost card: confirm, then revoke the old code and issue a new one."""
    member = get_or_404(_scoped_staff(request.user).select_related("unit").get, pk=staff_id, active=True)
    if request.method == "POST":
        services.staff_qr_reissue(staff=member, by=_me(request))
        messages.success(
            request,
            _("A new code was issued for %(name)s; the old card no longer works. Print the new card.")
            % {
                "name": member.full_name,
            },
        )
        return _back(request)
    live = StaffQRCode.objects.filter(staff=member, revoked_at__isnull=True).first()
    return render(
        request,
        "feedback/qr_reissue.html",
        {
            "member": member,
            "live": live,
            "next": _safe_next(request, request.GET.get("next", "")),
        },
    )


@role_required(*QR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def qr_revoke(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A card that must stop working with no new one (the employee leaves): confirm, then revoke."""
    member = get_or_404(_scoped_staff(request.user).select_related("unit").get, pk=staff_id)
    live = StaffQRCode.objects.filter(staff=member, revoked_at__isnull=True).first()
    if request.method == "POST":
        if services.staff_qr_revoke(staff=member, by=_me(request)) is None:
            messages.warning(request, _("%(name)s has no card to revoke.") % {"name": member.full_name})
        else:
            messages.success(
                request,
                _("The card of %(name)s was revoked; whoever scans it is told it is no longer valid.")
                % {"name": member.full_name},
            )
        return _back(request)
    if live is None:
        messages.warning(request, _("%(name)s has no card to revoke.") % {"name": member.full_name})
        return redirect(_safe_next(request, request.GET.get("next", "")))
    return render(
        request,
        "feedback/qr_revoke.html",
        {"member": member, "live": live, "next": _safe_next(request, request.GET.get("next", ""))},
    )


@role_required(*QR_ROLES)
@require_POST
def qr_cards_pdf(request: HttpRequest) -> HttpResponse:
    """Start an A4 sheet (or many) of cut-out cards, one per employee with a live code — `unit` for a
    unit and below, or `staff` ids from the list's checkboxes — and go to its progress page: a
    unit's thousand cards take longer than a web request may (apps.core.filejobs)."""
    data = request.POST
    if data.get("unit"):
        params = {"unit": _scoped_unit(request.user, data["unit"]).pk}
        back = reverse("feedback:qr_list") + f"?unit={params['unit']}"
    else:
        params = {"staff": _ids(data.getlist("staff"))}
        back = reverse("feedback:qr_list")
    staff_qs, _name = qr.qr_cards_staff(user=request.user, params=params)
    count = qr.qr_card_codes(staff_qs=staff_qs).count()
    if not count:
        messages.warning(request, _("None of these employees has a code yet: issue their codes, then print."))
        return redirect(back)
    if count > qr.CARDS_MAX:
        messages.error(
            request,
            digits(
                _("One print run takes at most %(max)d cards: print unit by unit.") % {"max": qr.CARDS_MAX}
            ),
        )
        return redirect(back)
    job = file_job_start(kind=FileJob.Kind.QR_CARDS, user=request.user, params=params)
    return redirect("core:file_job", pk=job.pk)


@role_required(*QR_ROLES)
@require_safe
def qr_sign_pdf(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A desk or door sign with one employee's code, large: A5 (A4 with ?size=a4)."""
    member = get_or_404(_scoped_staff(request.user).select_related("unit", "body__parent").get, pk=staff_id)
    code = qr.qr_card_codes(staff_qs=Staff.objects.filter(pk=member.pk)).first()
    if code is None:
        messages.warning(
            request,
            _("%(name)s has no code yet: issue it, then print the sign.") % {"name": member.full_name},
        )
        return redirect("feedback:qr_list")
    size = "A4" if request.GET.get("size", "").lower() == "a4" else "A5"
    pdf = render_pdf(
        "pdf/qr_sign.html",
        {
            "member": member,
            "body": member.body,
            "size": size,
            "qr": qr.qr_sign_image(code.token),
            "url": qr.rating_url_display(code.token),
        },
        request=request,
    )
    return pdf_response(pdf, f"qr-sign-{member.personnel_code}.pdf")


@role_required(*QR_ROLES)
@require_safe
def qr_poster_pdf(request: HttpRequest) -> HttpResponse:
    """The participation guide poster (راهنمای مشارکت در ارزیابی کارکنان) with the body's name."""
    bodies = scope_by_body(Body.objects.select_related("parent"), request.user, body_field="pk")
    body_id = request.GET.get("body") or getattr(_me(request), "body_id", None)
    body = get_or_404(lambda pk: bodies.get(pk=int(pk)), pk=body_id) if str(body_id).isdigit() else None
    if body is None:
        raise Http404
    pdf = render_pdf(
        "pdf/qr_poster.html", {"body": body, "site": settings.SITE_URL.split("://", 1)[-1]}, request=request
    )
    return pdf_response(pdf, f"qr-poster-body-{body.pk}.pdf")


# --- staff pages: held ratings and an employee's ratings ------------------------------------------


@role_required(*REVIEW_ROLES)
@require_safe
def rating_review(request: HttpRequest) -> HttpResponse:
    """Ratings held out of every average until a supervisor accepts or rejects them, burst by burst."""
    page = Paginator(ratings.held_bursts(user=request.user), BURSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    held = [rating for burst in page.object_list for rating in burst.ratings]
    return render(
        request, "feedback/rate_review.html", {"page": page, "bursts": page.object_list, "held": held}
    )


@role_required(*REVIEW_ROLES)
@require_POST
def rating_review_burst(request: HttpRequest) -> HttpResponse:
    """Accept or reject every rating of a burst as shown on the review page (their ids are posted)."""
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        raise Http404
    ids = [int(v) for v in request.POST.getlist("rating") if v.isascii() and v.isdigit()][:BURST_MAX]
    chosen = scope_queryset(StaffRating.objects.filter(pk__in=ids), request.user)
    count = services.staff_rating_review_many(ratings=chosen, accept=decision == "accept", by=_me(request))
    if not count:
        messages.warning(request, _("These ratings have already been reviewed."))
    elif decision == "accept":
        message = ngettext(
            "%(count)d rating was accepted and now counts in the averages.",
            "%(count)d ratings were accepted and now count in the averages.",
            count,
        )
        messages.success(request, digits(message % {"count": count}))
    else:
        message = ngettext(
            "%(count)d rating was rejected; it stays out of the averages.",
            "%(count)d ratings were rejected; they stay out of the averages.",
            count,
        )
        messages.success(request, digits(message % {"count": count}))
    return redirect("feedback:rating_review")


@role_required(*REVIEW_ROLES)
@require_POST
def rating_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    rating = get_or_404(scope_queryset(StaffRating.objects.all(), request.user).get, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        raise Http404
    services.staff_rating_review(rating=rating, accept=decision == "accept", by=_me(request))
    if decision == "accept":
        messages.success(request, _("The rating was accepted and now counts in the averages."))
    else:
        messages.success(request, _("The rating was rejected; it stays out of the averages."))
    return redirect("feedback:rating_review")


@login_required
@require_safe
def staff_ratings(request: HttpRequest, staff_id: int) -> HttpResponse:
    """One employee's ratings: average, count, distribution and the latest comments."""
    member = get_or_404(_scoped_staff(request.user).select_related("unit", "body").get, pk=staff_id)
    own = getattr(request.user, "staff", None) == member
    if not own and not roles.has_role(request.user, *RATINGS_ROLES):
        raise PermissionDenied
    days = request.GET.get("days", "")
    period = None
    if days in PERIOD_DAYS:
        today = timezone.localdate()
        period = (today - dt.timedelta(days=PERIOD_DAYS[days] - 1), today)
    one = Staff.objects.filter(pk=member.pk)
    # Thanks registered as people's communication cases count beside the QR ratings (charter, SPEC §8).
    from apps.cases.selectors import staff_thanks

    thanks = staff_thanks(staff=member, period=period)
    return render(
        request,
        "feedback/rate_staff.html",
        {
            "member": member,
            "thanks_count": thanks.count(),
            "thanks_recent": thanks[:5],
            "days": days if period else "",
            "summary": ratings.staff_rating_summary(staff_qs=one, period=period),
            "recent": ratings.staff_rating_recent(staff=member, period=period),
            "live": StaffQRCode.objects.filter(staff=member, revoked_at__isnull=True).first(),
            "can_manage": roles.has_role(request.user, *QR_ROLES),
            "periods": [
                ("", _("All time")),
                ("30", _("Last 30 days")),
                ("90", _("Last 90 days")),
                ("365", _("Last year")),
            ],
        },
    )


# --- the public rating page -------------------------------------------------------------------

# The five levels of the questionnaire's scale (خیلی زیاد … خیلی کم), 5 the best.
SCORE_CHOICES = [
    (5, gettext_lazy("Very much")),
    (4, gettext_lazy("Much")),
    (3, gettext_lazy("Moderately")),
    (2, gettext_lazy("Little")),
    (1, gettext_lazy("Very little")),
]
STAR = "\u2605"


def _levels() -> list[dict]:
    return [
        {"value": str(value), "label": label, "on": STAR * value, "off": STAR * (5 - value)}
        for value, label in SCORE_CHOICES
    ]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how this colleague served you?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose one of the five levels.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Your comment (optional)"),
        required=False,
        max_length=services.RATING_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tracking_code = forms.CharField(
        label=gettext_lazy("Tracking code of your request (optional)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )
    mobile = forms.CharField(
        label=gettext_lazy("Mobile number (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr", "placeholder": "09121234567"}
        ),
    )

    def clean_tracking_code(self) -> str:
        code = tracking_code_clean(self.cleaned_data["tracking_code"])
        if code and not tracking_code_check_digit_ok(code):
            raise ValidationError(
                _("This tracking code is mistyped: check the 11 digits on your receipt, or leave it empty.")
            )
        return code

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        return normalize_mobile(value) if value else ""


def _rating_rate(group, request) -> str:
    return settings.RATING_RATE


def _device(request: HttpRequest) -> tuple[str, bool]:
    """(the browser's signed device id, whether it is new and must be set as a cookie)."""
    try:
        return request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE), False
    except (KeyError, BadSignature):
        return secrets.token_urlsafe(16), True


def _device_key(request: HttpRequest, device_id: str, is_new: bool) -> str:
    # A browser that arrived without the cookie (refused, or a script that never loaded the form) is
    # one device per address and browser, not a new device on every post.
    return services.rating_device_key(
        device_id="" if is_new else device_id,
        address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _with_device_cookie(response: HttpResponse, device_id: str, is_new: bool) -> HttpResponse:
    if is_new:
        response.set_signed_cookie(
            DEVICE_COOKIE,
            device_id,
            salt=DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=not settings.DEBUG,
        )
    return response


def _card_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/rate_invalid.html", status=404)


@never_cache
@ratelimit(key="ip", rate=_rating_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The page a scanned card opens: who served you, five levels, optional comment, tracking code
    and mobile. One rating per employee per device and per mobile per day."""
    device_id, is_new = _device(request)
    device_key = _device_key(request, device_id, is_new)
    if request.method != "POST" and pagecache.cacheable(request) and is_new:
        # A first visit (no device cookie yet) sees the empty form, from the cache. A device that
        # rated has its cookie and is told so by the page below; one that refuses cookies is told
        # when it sends (the rule is checked on every rating, by device and by mobile).
        response = pagecache.cached_page(
            request, (f"qr:{token}", "public"), seconds=300, build=lambda: _rate_form_page(request, token)
        )
        return _with_device_cookie(response, device_id, is_new) if response.status_code == 200 else response
    code = qr.qr_code_live(token)
    if code is None:
        return _card_invalid(request)
    form = RatingForm(request.POST or None)
    already = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.staff_rating_submit(
                code=code,
                score=data["score"],
                device_key=device_key,
                comment=data["comment"],
                tracking_code=data["tracking_code"],
                mobile=data["mobile"],
            )
        except services.AlreadyRated:
            already = True
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _with_device_cookie(redirect("rate_thanks", token=token), device_id, is_new)
    elif request.method == "GET":
        already = ratings.staff_rated_today(staff=code.staff, device_key=device_key)
    return _with_device_cookie(_rate_page(request, code, form, already=already), device_id, is_new)


def _rate_page(request: HttpRequest, code, form: RatingForm, *, already: bool) -> HttpResponse:
    member = code.staff
    context = {
        "code": code, "member": member, "already": already, "has_photo": bool(member.photo),
        "form": form, "levels": _levels(), "selected": str(form["score"].value() or ""),
    }
    return render(request, "feedback/rate_form.html", context)


def _rate_form_page(request: HttpRequest, token: str) -> HttpResponse:
    """The empty form of a live card; the invalid-card page otherwise."""
    code = qr.qr_code_live(token)
    if code is None:
        return _card_invalid(request)
    return _rate_page(request, code, RatingForm(), already=False)


@require_safe
def rate_thanks(request: HttpRequest, token: str) -> HttpResponse:
    code = qr.qr_code_live(token)
    if code is None:
        return _card_invalid(request)
    return render(request, "feedback/rate_thanks.html", {"member": code.staff})


@require_safe
def rate_photo(request: HttpRequest, token: str) -> FileResponse:
    """The employee's photo for their rating page, through the card's token: staff photos live in
    private storage and have no public URL."""
    code = qr.qr_code_live(token)
    if code is None or not code.staff.photo:
        raise Http404
    return private_file_response(code.staff.photo, allowed=IMAGES, filename="photo")


urlpatterns = [
    path("qr/", qr_list, name="qr_list"),
    path("qr/issue/", qr_issue, name="qr_issue"),
    path("qr/issue-unit/", qr_issue_unit, name="qr_issue_unit"),
    path("qr/cards.pdf", qr_cards_pdf, name="qr_cards_pdf"),
    path("qr/poster.pdf", qr_poster_pdf, name="qr_poster_pdf"),
    path("qr/<int:staff_id>/reissue/", qr_reissue, name="qr_reissue"),
    path("qr/<int:staff_id>/revoke/", qr_revoke, name="qr_revoke"),
    path("qr/<int:staff_id>/sign.pdf", qr_sign_pdf, name="qr_sign_pdf"),
    path("ratings/held/", rating_review, name="rating_review"),
    path("ratings/<int:pk>/review/", rating_review_decide, name="rating_review_decide"),
    path("ratings/review-burst/", rating_review_burst, name="rating_review_burst"),
    path("staff/<int:staff_id>/ratings/", staff_ratings, name="staff_ratings"),
]

# Mounted at /q/ in config/urls.py: /q/<token> is printed on every card, so it never changes.
public_urlpatterns = [
    path("<str:token>", rate, name="rate"),
    path("<str:token>/thanks", rate_thanks, name="rate_thanks"),
    path("<str:token>/photo", rate_photo, name="rate_photo"),
]
