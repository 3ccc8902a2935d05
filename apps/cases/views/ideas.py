"""Pages of the ideas working group (charter 3-17 to 3-21): the group's queue and an idea's page
(accept, merge, decline), the competent body's list with the result form, and the public list of
accepted ideas at /ideas/. Views parse input and call apps.cases.ideas."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from apps.cases import ideas
from apps.cases.models import IdeaReview
from apps.core import limits
from apps.core.access import get_or_404, role_required
from apps.core.forms import NumericInput, PortalForm
from apps.core.paging import CappedPaginator
from apps.desk.tracking import tracking_code_clean, tracking_code_problem

PAGE_SIZE = 30
PUBLIC_PAGE_SIZE = 20


class AcceptForm(PortalForm):
    competent_body = forms.ModelChoiceField(label=pgettext_lazy("ideas", "Competent body"), queryset=None)
    public_title = forms.CharField(
        label=gettext_lazy("Title on the public page"), max_length=ideas.PUBLIC_TITLE_MAX,
        help_text=gettext_lazy("Shown on the public list of ideas: no name, national code, mobile or address."),
    )
    public_summary = forms.CharField(
        label=gettext_lazy("Summary on the public page"), max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The idea in the working group's words, without personal data."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the competent body (internal)"), required=False, max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="accept", **kwargs)
        self.fields["competent_body"].queryset = ideas.idea_competent_bodies()


class MergeForm(PortalForm):
    into = forms.CharField(
        label=gettext_lazy("Tracking code of the earlier idea"), max_length=20, widget=NumericInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="merge", **kwargs)

    def clean_into(self):
        code = tracking_code_clean(self.cleaned_data["into"])
        problem = tracking_code_problem(code)
        if problem:
            raise ValidationError(problem)
        case = ideas.idea_by_code(code)
        if case is None:
            raise ValidationError(_("No idea has this tracking code."))
        return case


class DeclineForm(PortalForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the proposer)"), max_length=limits.NOTE, widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="decline", **kwargs)


class ResultForm(PortalForm):
    result = forms.ChoiceField(label=pgettext_lazy("ideas", "Result"), choices=IdeaReview.Result.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=gettext_lazy("Result of the review (sent to the proposer)"), max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("The public page shows only the result above and its date, not this text."),
    )


def _tab(request: HttpRequest, tabs: dict, default: str) -> str:
    tab = request.GET.get("tab", default)
    return tab if tab in tabs else default


@role_required(*ideas.GROUP_ROLES)
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    """The working group's queue: pending ideas oldest first; referred, reviewed (the bodies' results)
    and merged or declined on their own tabs."""
    tab = _tab(request, ideas.QUEUE_TABS, "pending")
    page = CappedPaginator(ideas.idea_queue(user=request.user, tab=tab), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = ideas.idea_queue_counts(user=request.user)
    labels = {
        "pending": _("Waiting"), "referred": _("Referred to bodies"), "reviewed": _("Results of the bodies"),
        "closed": _("Merged or declined"),
    }
    return render(request, "cases/ideas/review_queue.html", {
        "page": page, "reviews": page.object_list, "tab": tab,
        "tabs": [(key, label, counts[key]) for key, label in labels.items()],
    })


def _timeline(review: IdeaReview) -> list:
    return list(review.case.events.select_related("actor", "from_unit", "to_unit").order_by("at", "pk"))


@role_required(*ideas.GROUP_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An idea for the working group: read it, then accept it (public wording and the competent body),
    merge it into an earlier idea, or decline it with a reason. A form with an error comes back as typed."""
    review = get_or_404(ideas.idea_get_for_group, user=request.user, pk=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    forms_ = {
        "accept": AcceptForm(data if action == "accept" else None),
        "merge": MergeForm(data if action == "merge" else None),
        "decline": DeclineForm(data if action == "decline" else None),
    }
    if action in forms_ and review.state == IdeaReview.State.PENDING:
        form = forms_[action]
        if form.is_valid():
            staff = getattr(request.user, "staff", None)
            d = form.cleaned_data
            try:
                if action == "accept":
                    ideas.idea_accept(
                        review=review, by=staff, competent_body=d["competent_body"], public_title=d["public_title"],
                        public_summary=d["public_summary"], note=d.get("note", ""),
                    )
                    messages.success(request, _("The idea was accepted and referred to the competent body; the proposer is told by SMS."))
                elif action == "merge":
                    ideas.idea_merge(review=review, into=d["into"], by=staff)
                    messages.success(request, _("The idea was merged into the earlier idea; the proposer is told by SMS."))
                else:
                    ideas.idea_decline(review=review, by=staff, reason=d["reason"])
                    messages.success(request, _("The idea was declined; the proposer is told the reason by SMS."))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("ideas:review_detail", pk=review.pk)
    return render(request, "cases/ideas/review_detail.html", {
        "review": review, "case": review.case, "events": _timeline(review), "action": action,
        "accept_form": forms_["accept"], "merge_form": forms_["merge"], "decline_form": forms_["decline"],
        "can_decide": review.state == IdeaReview.State.PENDING,
    })


@role_required(*ideas.BODY_ROLES)
@require_safe
def body_list(request: HttpRequest) -> HttpResponse:
    """Ideas referred to the user's units: waiting for the result, and reviewed."""
    tab = _tab(request, ideas.BODY_TABS, "open")
    page = CappedPaginator(ideas.idea_body_list(user=request.user, tab=tab), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/ideas/body_list.html", {
        "page": page, "reviews": page.object_list, "tab": tab,
        "tabs": [("open", _("Waiting for your result"), None), ("reviewed", pgettext("ideas", "Reviewed"), None)],
    })


@role_required(*ideas.BODY_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A referred idea for the competent body, with the form to record the result of its review."""
    review = get_or_404(ideas.idea_get_for_body, user=request.user, pk=pk)
    can_record = review.state == IdeaReview.State.REFERRED
    form = ResultForm(request.POST if request.method == "POST" and can_record else None)
    if form.is_bound and form.is_valid():
        try:
            ideas.idea_result(
                review=review, by=getattr(request.user, "staff", None), result=form.cleaned_data["result"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The result was recorded; the proposer is told by SMS and the centre sees it."))
            return redirect("ideas:body_detail", pk=review.pk)
    return render(request, "cases/ideas/body_detail.html", {
        "review": review, "case": review.case, "form": form, "can_record": can_record, "events": _timeline(review),
    })


def _public_rate(group, request) -> str:
    return settings.PUBLIC_SEARCH_RATE


@require_safe
@ratelimit(key="ip", rate=_public_rate, block=True)
def public_list(request: HttpRequest) -> HttpResponse:
    """Accepted ideas and their outcome, for everyone: the working group's wording, the body, the dates
    and the result — nothing about the proposer."""
    page = CappedPaginator(ideas.idea_public_list(), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/ideas/public_list.html", {"page": page, "reviews": page.object_list})


urlpatterns = [
    path("", public_list, name="list"),
    path("review/", review_queue, name="review_queue"),
    path("review/<int:pk>/", review_detail, name="review_detail"),
    path("body/", body_list, name="body_list"),
    path("body/<int:pk>/", body_detail, name="body_detail"),
]
