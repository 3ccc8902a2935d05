"""Pages of the satisfaction questionnaire (table 5): the citizen's online form, opened from the
tracking page once the national code is confirmed; the clerk's entry of a form filled on paper at
the desk; and the blank paper form as a PDF to print.

The citizen's form needs no login: the same session mark as the tracking page (the national code
was typed and matched for this request) is what lets a person answer for a request.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from apps.core import pagecache
from apps.core.access import get_or_404 as _get_or_404
from apps.core.access import role_required
from apps.core.pdf import pdf_response, render_pdf
from apps.core.scoping import scope_by_body
from apps.desk import selectors as desk_selectors
from apps.desk.models import ServiceRequest
from apps.desk.tracking import tracking_code_clean
from apps.desk.views.public import _lookup, _verified, verified_code
from apps.desk.views.requests import INTAKE_ROLES
from apps.feedback.forms import SurveyForm
from apps.feedback.models import Axis, SurveyResponse
from apps.feedback.services import questionnaire_active, questionnaire_shown, survey_open, survey_submit
from apps.orgs.models import Body


def _page_rate(group, request) -> str:
    return settings.TRACK_RATE


def _submit_rate(group, request) -> str:
    # Each request takes one questionnaire; the limit is against scripted posting from one address.
    return getattr(settings, "SURVEY_RATE", "20/h")


def _citizen_request(request: HttpRequest, code: str) -> ServiceRequest | None:
    """The request behind the code, or None when the person has not confirmed the national code."""
    sr, _error = _lookup(code, stages=False)
    if sr is None:
        raise Http404
    return sr if _verified(request, sr) else None


def _to_tracking(sr_code: str) -> HttpResponse:
    return redirect(f"{reverse('track')}?code={sr_code}")


def _answered(sr: ServiceRequest) -> bool:
    return SurveyResponse.objects.filter(request=sr).exists()


@ratelimit(key="ip", rate=_page_rate, method=["GET", "HEAD", "POST"], block=True)
@ratelimit(key="ip", rate=_submit_rate, method="POST", block=True)
@require_http_methods(["GET", "HEAD", "POST"])
def survey(request: HttpRequest, code: str) -> HttpResponse:
    """Table 5 online, for the applicant of a delivered (or refused / referred) request."""
    clean = tracking_code_clean(code)
    if pagecache.cacheable_with_session(request) and verified_code(request, clean):
        # Every visitor who reaches this page confirmed the national code of this request: it is the
        # same for each of them, kept until the request or the questionnaire changes, and answered
        # on the session alone.
        names = [f"request:{clean}", "questionnaire"]
        return pagecache.cached_page(request, names, seconds=60, build=lambda: _survey(request, code))
    return _survey(request, code)


def _survey(request: HttpRequest, code: str) -> HttpResponse:
    sr = _citizen_request(request, code)
    if sr is None:
        messages.info(request, _("Enter your national code below; the questionnaire opens after that."))
        return _to_tracking(code)
    return _survey_page(request, sr)


def _survey_page(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    context = {"sr": sr, "body": sr.unit.body}
    if _answered(sr):
        return render(request, "feedback/survey_done.html", context)
    if not survey_open(sr):
        return render(request, "feedback/survey_closed.html", context)
    try:
        questionnaire = questionnaire_active() if request.method == "POST" else questionnaire_shown()
    except ValidationError:
        return render(request, "feedback/survey_closed.html", context)
    form = SurveyForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        try:
            survey_submit(
                request=sr,
                answers=form.answers(),
                demographics=form.demographics(),
                suggestions=form.cleaned_data["suggestions"],
                source=SurveyResponse.Source.ONLINE,
            )
        except ValidationError as exc:
            if exc.code == "duplicate":
                return render(request, "feedback/survey_done.html", context)
            form.add_error(None, exc)
        else:
            return redirect("feedback:survey_thanks", code=sr.tracking_code)
    context.update(form=form, questionnaire=questionnaire, today=timezone.now())
    if not form.is_bound:
        context["questions_html"] = _blank_questions(form)
    return render(request, "feedback/survey_form.html", context)


def _blank_questions(form: SurveyForm) -> str:
    """The questions of the active version as every citizen first sees them, rendered once per version
    and language (sixteen rows of five choices are most of the page's cost)."""
    key = f"survey-questions:{form.questionnaire.pk}:{get_language()}"
    return mark_safe(  # noqa: S308 - the template's own output, escaped when it was rendered
        pagecache.kept(
            key, ["questionnaire"], lambda: render_to_string("feedback/survey_questions.html", {"form": form}),
            seconds=3600,
        )
    )


def survey_thanks(request: HttpRequest, code: str) -> HttpResponse:
    sr = _citizen_request(request, code)
    if sr is None:
        return _to_tracking(code)
    if not _answered(sr):
        return redirect("feedback:survey", code=sr.tracking_code)
    return render(request, "feedback/survey_thanks.html", {"sr": sr, "body": sr.unit.body})


@role_required(*INTAKE_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_paper_entry(request: HttpRequest, request_pk: int) -> HttpResponse:
    """The clerk types in a table 5 form the applicant filled on paper at the desk."""
    sr = _get_or_404(desk_selectors.request_get, user=request.user, pk=request_pk)
    if _answered(sr):
        messages.info(request, _("The questionnaire for this request has already been filled in."))
        return redirect("desk:request_detail", pk=sr.pk)
    if not survey_open(sr):
        messages.error(
            request,
            _(
                "The questionnaire opens once the response has been delivered (or the request was refused or referred)."
            ),
        )
        return redirect("desk:request_detail", pk=sr.pk)
    try:
        questionnaire = questionnaire_active()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("desk:request_detail", pk=sr.pk)
    form = SurveyForm(request.POST or None, questionnaire=questionnaire, paper=True)
    if request.method == "POST" and form.is_valid():
        try:
            survey_submit(
                request=sr,
                answers=form.answers(),
                demographics=form.demographics(),
                suggestions=form.cleaned_data["suggestions"],
                source=SurveyResponse.Source.PAPER,
                entered_by=request.user.staff,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The paper questionnaire was recorded."))
            return redirect("desk:request_detail", pk=sr.pk)
    return render(
        request, "feedback/survey_paper_entry.html", {"sr": sr, "form": form, "questionnaire": questionnaire}
    )


@login_required
def survey_paper_pdf(request: HttpRequest) -> HttpResponse:
    """The blank table 5 form of a body (?body=<id>, else the user's own), A4, to print for the desk."""
    bodies = scope_by_body(Body.objects.all(), request.user, body_field="pk")
    staff = getattr(request.user, "staff", None)
    raw = request.GET.get("body", "")
    if raw:
        body = _get_or_404(lambda pk: bodies.get(pk=pk), pk=int(raw) if raw.isdigit() else 0)
    elif staff is not None:
        body = staff.unit.body
    else:
        raise Http404
    try:
        questionnaire = questionnaire_active()
    except ValidationError as exc:
        raise Http404 from exc
    groups: dict[int, tuple[Axis, list]] = {}
    for question in questionnaire.questions.all():
        groups.setdefault(question.axis_id, (question.axis, []))[1].append(question)
    context = {
        "body": body,
        "questionnaire": questionnaire,
        "axes": sorted(groups.values(), key=lambda group: group[0].order),
        "levels": questionnaire.scale_labels,
        "genders": SurveyResponse.Gender.choices,
        "ages": SurveyResponse.AgeBand.choices,
        "educations": SurveyResponse.Education.choices,
    }
    pdf = render_pdf("pdf/survey_paper.html", context, request=request)
    return pdf_response(pdf, f"survey-paper-{body.pk}.pdf")


urlpatterns = [
    path("survey/<str:code>/", survey, name="survey"),
    path("survey/<str:code>/thanks/", survey_thanks, name="survey_thanks"),
    path("requests/<int:request_pk>/paper/", survey_paper_entry, name="survey_paper_entry"),
    path("paper.pdf", survey_paper_pdf, name="survey_paper_pdf"),
]
