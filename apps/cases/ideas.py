"""The ideas working group (charter 3-17 to 3-21): services and selectors of IdeaReview.

Every idea case gets an IdeaReview on registration (services.case_register). The national working
group (IDEAS_MEMBER, CENTRE_REVIEWER) accepts it — writing a public title and summary without personal
data and choosing the competent body, whose nearest unit receives the case — merges a duplicate into an
earlier idea, or declines it with a reason. The competent body records the result of its review, which
closes the case; the proposer hears of each decision by one SMS (a public IDEA_REVIEW or IDEA_RESULT line
of the timeline), and the centre reads the results on the working group's "reviewed" tab. Accepted ideas
are listed on the public page /ideas/ with the working group's wording only.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.cases import routing
from apps.cases.models import Case, CaseEvent, CaseResponse, CaseType, IdeaReview
from apps.cases.notifications import case_event_announce
from apps.core import limits
from apps.core.scoping import scope_queryset
from apps.core.text import normalize_digits, search_key
from apps.orgs import roles
from apps.orgs.models import Body, Staff

PUBLIC_TITLE_MAX = 200
# Runs of digits as long as a national code or a mobile number have no place in a public text.
_LONG_DIGITS = re.compile(r"\d{8,}")
# What the response that closes an idea says it was (the case's outcome in reports).
RESULT_OUTCOME = {
    IdeaReview.Result.IMPLEMENTED: CaseResponse.Outcome.RESOLVED,
    IdeaReview.Result.PLANNED: CaseResponse.Outcome.RESOLVED,
    IdeaReview.Result.NOT_FEASIBLE: CaseResponse.Outcome.ANSWERED,
}

# --- selectors -----------------------------------------------------------------------------------

QUEUE_TABS = {
    "pending": (IdeaReview.State.PENDING,),
    "referred": (IdeaReview.State.REFERRED,),
    "reviewed": (IdeaReview.State.REVIEWED,),
    "closed": (IdeaReview.State.MERGED, IdeaReview.State.DECLINED),
}
BODY_TABS = {"open": (IdeaReview.State.REFERRED,), "reviewed": (IdeaReview.State.REVIEWED,)}
GROUP_ROLES = (roles.IDEAS_MEMBER, roles.CENTRE_REVIEWER, roles.ADMINISTRATOR)
BODY_ROLES = (roles.PEOPLE_CLERK, roles.BODY_SUPERVISOR, roles.ADMINISTRATOR)


def _reviews() -> QuerySet[IdeaReview]:
    return IdeaReview.objects.filter(case__type=CaseType.IDEA).select_related(
        "case", "case__unit", "case__handling_unit", "competent_body", "merged_into"
    )


def idea_queue(*, user, tab: str = "pending") -> QuerySet[IdeaReview]:
    """The working group's queue: ideas in the states of one tab (the working group sees every idea;
    anyone else the ideas registered in their units). Pending oldest first, the others newest first."""
    qs = scope_queryset(_reviews(), user, unit_field="case__unit", national_roles=roles.IDEA_NATIONAL_ROLES)
    qs = qs.filter(state__in=QUEUE_TABS.get(tab, QUEUE_TABS["pending"]))
    if tab == "reviewed":
        return qs.order_by("-result_at", "-pk")
    if tab in ("referred", "closed"):
        return qs.order_by("-reviewed_at", "-pk")
    return qs.order_by("case__created_at", "pk")


def idea_queue_counts(*, user) -> dict[str, int]:
    """How many ideas each tab of the queue holds (one query)."""
    from django.db.models import Count

    qs = scope_queryset(IdeaReview.objects.all(), user, unit_field="case__unit", national_roles=roles.IDEA_NATIONAL_ROLES)
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).order_by())
    return {tab: sum(by_state.get(s, 0) for s in states) for tab, states in QUEUE_TABS.items()}


def idea_get_for_group(*, user, pk: int) -> IdeaReview:
    """One idea for the working group's page; IdeaReview.DoesNotExist outside the user's scope."""
    qs = scope_queryset(_reviews(), user, unit_field="case__unit", national_roles=roles.IDEA_NATIONAL_ROLES)
    return qs.get(pk=pk)


def idea_body_list(*, user, tab: str = "open") -> QuerySet[IdeaReview]:
    """Ideas referred to the units in the user's scope (the competent body's desk and the units above)."""
    qs = scope_queryset(_reviews(), user, unit_field="case__handling_unit")
    qs = qs.filter(state__in=BODY_TABS.get(tab, BODY_TABS["open"]))
    return qs.order_by("-result_at", "-pk") if tab == "reviewed" else qs.order_by("reviewed_at", "pk")


def idea_get_for_body(*, user, pk: int) -> IdeaReview:
    """One referred idea for the competent body; IdeaReview.DoesNotExist outside the user's scope."""
    qs = scope_queryset(_reviews(), user, unit_field="case__handling_unit")
    return qs.filter(state__in=(IdeaReview.State.REFERRED, IdeaReview.State.REVIEWED)).get(pk=pk)


def idea_public_list() -> QuerySet[IdeaReview]:
    """Accepted ideas for the public page: only the working group's wording, the body and the outcome
    are read from the database — never the proposer or the original text."""
    return (
        IdeaReview.objects.filter(state__in=(IdeaReview.State.REFERRED, IdeaReview.State.REVIEWED))
        .select_related("competent_body")
        .only(
            "pk", "state", "public_title", "public_summary", "reviewed_at", "result", "result_at",
            "competent_body__name_fa", "competent_body__name_en",
        )
        .order_by("-reviewed_at", "-pk")
    )


def idea_by_code(code: str) -> Case | None:
    """An idea case by its (cleaned) tracking code, for the merge form."""
    return Case.objects.filter(tracking_code=code, type=CaseType.IDEA).select_related("idea").first()


def idea_competent_bodies() -> QuerySet[Body]:
    """The bodies an idea may be referred to: any body with a unit but the centre itself."""
    return Body.objects.exclude(kind=Body.Kind.CENTRE).filter(units__isnull=False).distinct().order_by("name_fa")


# --- services ------------------------------------------------------------------------------------


def _fa(text_of) -> str:
    # The applicant's messages are Persian whatever language the member's screen is in
    # (like apps.cases.notifications).
    with translation.override("fa"):
        return str(text_of())


def _lock(review: IdeaReview) -> IdeaReview:
    review = IdeaReview.objects.select_for_update().get(pk=review.pk)
    review.case = Case.objects.select_for_update(of=("self",)).select_related("handling_unit", "unit", "body").get(pk=review.case_id)
    return review


def _require(review: IdeaReview, *states: str) -> None:
    if review.state not in states:
        raise ValidationError(
            _("This idea is no longer waiting for this decision (it is now: %(state)s).") % {"state": review.get_state_display()}
        )


def _text(value: str, *, field: str, limit: int, required_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: required_message})
    if len(value) > limit:
        raise ValidationError({field: _("Too long for an idea's record: at most %(limit)d characters.") % {"limit": limit}})
    return value


def public_text_problem(text: str, case: Case) -> str:
    """Why a text written for the public page would give away the proposer; "" when it does not."""
    digits = normalize_digits(text)
    if case.national_code in digits or case.mobile in digits or case.mobile[1:] in digits:
        return _("Remove the proposer's national code or mobile number: the public page shows no personal data.")
    if _LONG_DIGITS.search(digits.replace(" ", "").replace("-", "")):
        return _("Remove the long number: national codes, mobile numbers and tracking codes do not belong on the public page.")
    name = search_key(case.full_name)
    if name and name in search_key(text):
        return _("Remove the proposer's name: the public page shows no personal data.")
    if "@" in text:
        return _("Remove the email address: the public page shows no personal data.")
    return ""


def _close(review: IdeaReview, *, by: Staff | None, outcome: str, text: str, news: str, kind: str) -> CaseResponse:
    """Close the idea's case with its written response and tell the proposer once, by the public
    IDEA_REVIEW / IDEA_RESULT line (the CLOSED line is the timeline's and sends nothing more)."""
    case = review.case
    now = timezone.now()
    response = CaseResponse(case=case, outcome=outcome, text=text, unit=case.handling_unit, by=by, at=now)
    response.full_clean(exclude=["case", "unit", "by"])
    response.save()
    case.state, case.closed_at = Case.State.CLOSED, now
    case.save(update_fields=["state", "closed_at"])
    event = CaseEvent.objects.create(case=case, at=now, kind=kind, actor=by, note=news[: limits.NOTE])
    CaseEvent.objects.create(
        case=case, at=now, kind=CaseEvent.Kind.CLOSED, actor=by, public=False, note=response.get_outcome_display(),
    )
    case_event_announce(event)
    return response


@transaction.atomic
def idea_accept(
    *, review: IdeaReview, by: Staff | None, competent_body: Body | None, public_title: str, public_summary: str,
    note: str = "",
) -> IdeaReview:
    """Accept an idea: its public title and summary (no personal data), the case referred to the
    competent body's nearest unit; the proposer is told by SMS (the IDEA_REVIEW line)."""
    review = _lock(review)
    _require(review, IdeaReview.State.PENDING)
    case = review.case
    errors: dict[str, list[str]] = {}
    fields = {
        "public_title": (public_title, PUBLIC_TITLE_MAX, _("Write a title for the public page.")),
        "public_summary": (public_summary, limits.NOTE, _("Write a summary for the public page.")),
    }
    cleaned: dict[str, str] = {}
    for field, (value, limit, required) in fields.items():
        try:
            cleaned[field] = _text(value, field=field, limit=limit, required_message=required)
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        problem = public_text_problem(cleaned[field], case)
        if problem:
            errors[field] = [problem]
    note = (note or "").strip()
    if len(note) > limits.NOTE:
        errors["note"] = [_("Too long for an idea's record: at most %(limit)d characters.") % {"limit": limits.NOTE}]
    to_unit = None
    if competent_body is None:
        errors["competent_body"] = [_("Choose the competent body.")]
    elif competent_body.kind == Body.Kind.CENTRE:
        errors["competent_body"] = [_("Choose an executive body: the centre does not review ideas itself.")]
    else:
        to_unit = routing.body_unit_near(competent_body, near=case.handling_unit)
        if to_unit is None:
            errors["competent_body"] = [_("This body has no unit to take ideas yet; choose another body.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    review.state, review.competent_body = IdeaReview.State.REFERRED, competent_body
    review.public_title, review.public_summary = cleaned["public_title"], cleaned["public_summary"]
    review.reviewed_by, review.reviewed_at = by, now
    review.save(update_fields=["state", "competent_body", "public_title", "public_summary", "reviewed_by", "reviewed_at"])
    current = case.handling_unit
    case.handling_unit, case.body, case.state = to_unit, competent_body, Case.State.REFERRED
    case.save(update_fields=["handling_unit", "body", "state"])
    news = _fa(lambda: _("Your idea was accepted by the ideas working group and referred to %(body)s for review.") % {
        "body": competent_body.name,
    })
    accepted = CaseEvent.objects.create(case=case, at=now, kind=CaseEvent.Kind.IDEA_REVIEW, actor=by, note=news)
    # The referral line keeps the timeline's from/to like case_refer; the proposer already heard of it.
    CaseEvent.objects.create(
        case=case, at=now, kind=CaseEvent.Kind.REFERRED, actor=by, public=False, note=note,
        from_unit=current, to_unit=to_unit, referral_kind=CaseEvent.ReferralKind.BODY,
    )
    case_event_announce(accepted)
    return review


@transaction.atomic
def idea_merge(*, review: IdeaReview, into: Case | None, by: Staff | None) -> IdeaReview:
    """Merge a duplicate into an earlier idea: the case closes with a response naming the earlier
    idea, and the proposer is told."""
    review = _lock(review)
    _require(review, IdeaReview.State.PENDING)
    case = review.case
    if into is None or into.type != CaseType.IDEA:
        raise ValidationError({"into": _("No idea has this tracking code.")})
    if into.pk == case.pk:
        raise ValidationError({"into": _("An idea cannot be merged into itself.")})
    target = IdeaReview.objects.filter(case=into).first()
    if target is None or target.state in (IdeaReview.State.MERGED, IdeaReview.State.DECLINED):
        raise ValidationError({"into": _("Merge into an idea that was not merged or declined itself.")})
    if (into.created_at, into.pk) > (case.created_at, case.pk):
        raise ValidationError({"into": _("Merge into an earlier idea: this one was registered first.")})
    review.state, review.merged_into = IdeaReview.State.MERGED, into
    review.reviewed_by, review.reviewed_at = by, timezone.now()
    review.save(update_fields=["state", "merged_into", "reviewed_by", "reviewed_at"])
    code = into.tracking_code
    text = _fa(lambda: _(
        "The ideas working group found that your idea is the same as one registered earlier (%(code)s); "
        "it is reviewed together with that idea. Thank you for your suggestion."
    ) % {"code": code})
    news = _fa(lambda: _("It is the same as an idea registered earlier and is reviewed together with it. Thank you."))
    _close(review, by=by, outcome=CaseResponse.Outcome.ANSWERED, text=text, news=news, kind=CaseEvent.Kind.IDEA_REVIEW)
    return review


@transaction.atomic
def idea_decline(*, review: IdeaReview, by: Staff | None, reason: str) -> IdeaReview:
    """Decline an idea with a reason: the case closes with the reason as its response; the proposer is told."""
    review = _lock(review)
    _require(review, IdeaReview.State.PENDING)
    reason = _text(reason, field="reason", limit=limits.NOTE, required_message=_("Say why the idea is declined."))
    review.state, review.decline_reason = IdeaReview.State.DECLINED, reason
    review.reviewed_by, review.reviewed_at = by, timezone.now()
    review.save(update_fields=["state", "decline_reason", "reviewed_by", "reviewed_at"])
    news = _fa(lambda: _("The ideas working group did not accept your idea: %(reason)s") % {"reason": reason})
    _close(review, by=by, outcome=CaseResponse.Outcome.REJECTED, text=reason, news=news, kind=CaseEvent.Kind.IDEA_REVIEW)
    return review


@transaction.atomic
def idea_result(*, review: IdeaReview, by: Staff | None, result: str, text: str) -> IdeaReview:
    """The competent body's result: the case closes with it as its response; the proposer is told by
    SMS (the IDEA_RESULT line) and the centre finds it on the working group's "reviewed" tab."""
    review = _lock(review)
    _require(review, IdeaReview.State.REFERRED)
    errors: dict[str, list[str]] = {}
    if result not in IdeaReview.Result.values:
        errors["result"] = [_("Choose the result of the review.")]
    try:
        text = _text(text, field="text", limit=limits.NOTE, required_message=_("Write the result of the review for the proposer."))
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    review.state, review.result, review.result_text = IdeaReview.State.REVIEWED, result, text
    review.result_by, review.result_at = by, now
    review.save(update_fields=["state", "result", "result_text", "result_by", "result_at"])
    body = review.competent_body.name if review.competent_body_id else review.case.body.name
    label = _fa(lambda: IdeaReview.Result(result).label)
    news = _fa(lambda: _("Result of the review by %(body)s: %(result)s. %(text)s") % {"body": body, "result": label, "text": text})
    _close(review, by=by, outcome=RESULT_OUTCOME[result], text=f"{label}\n\n{text}", news=news, kind=CaseEvent.Kind.IDEA_RESULT)
    return review
