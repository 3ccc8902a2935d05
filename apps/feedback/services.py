"""Satisfaction writes (SPEC §5): the questionnaire's versions and the survey answers of a request.

A version that has answers is never edited: revising copies it into a new, inactive version, and
answers keep pointing at the questions they were given on. Every response copies where its request
belongs (service, unit, body, county, province) onto itself and its answer rows, so the indices in
apps.feedback.indices are one GROUP BY on one table.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import pagecache
from apps.core.services import change_record
from apps.desk.models import ServiceRequest
from apps.feedback import rollups
from apps.feedback.models import SCALE_MAX, SCALE_MIN, Answer, Axis, Question, Questionnaire, SurveyResponse
from apps.orgs.models import Staff

# A refused or referred request is surveyed as soon as it is answered: the applicant may never come
# back to collect a refusal, and their view of how it was handled is the one that matters most.
SURVEY_AFTER_ANSWER_OUTCOMES = (ServiceRequest.Outcome.REFUSED, ServiceRequest.Outcome.REFERRED)


@dataclass
class Demographics:
    """The optional "about you" part of table 5; blank when the person leaves it out."""

    gender: str = ""
    age_band: str = ""
    education: str = ""
    occupation: str = ""
    visits_past_year: int | None = None


def survey_open(sr: ServiceRequest) -> bool:
    """Whether the survey may be offered for this request: delivered, or answered with a refusal or
    referral. (templates/feedback/survey_offer.html repeats this rule for the tracking page.)"""
    if sr.status == ServiceRequest.Status.DELIVERED:
        return True
    return sr.status == ServiceRequest.Status.ANSWERED and sr.outcome in SURVEY_AFTER_ANSWER_OUTCOMES


def questionnaire_shown() -> Questionnaire:
    """questionnaire_active() for a page that only shows it (the citizen's blank form), from the cache
    while the "questionnaire" version stands: every edit of a version and questionnaire_activate bump it.
    What is recorded always reads questionnaire_active()."""
    return pagecache.kept("questionnaire-active", ["questionnaire"], questionnaire_active, seconds=600)


def questionnaire_active() -> Questionnaire:
    """The version offered now, with its axes and questions loaded (three queries)."""
    questionnaire = (
        Questionnaire.objects.filter(active=True)
        .prefetch_related(
            Prefetch("axes", queryset=Axis.objects.order_by("grouping", "order")),
            Prefetch(
                "questions", queryset=Question.objects.select_related("axis", "audit_axis").order_by("number")
            ),
        )
        .first()
    )
    if questionnaire is None:
        raise ValidationError(_("No questionnaire version is in use. An administrator must activate one."))
    return questionnaire


def _clean_answers(questionnaire: Questionnaire, answers: Mapping[int, int]) -> dict[int, int]:
    questions = {q.number for q in questionnaire.questions.all()}
    cleaned = {}
    for number, value in answers.items():
        if value is None:
            continue  # a line left blank on a paper form
        if int(number) not in questions:
            raise ValidationError(_("Question %(n)s is not in this questionnaire.") % {"n": number})
        if not isinstance(value, int) or isinstance(value, bool) or not SCALE_MIN <= value <= SCALE_MAX:
            raise ValidationError(_("Each answer is a level from 1 to 5."))
        cleaned[int(number)] = value
    if not cleaned:
        raise ValidationError(_("Answer at least one question."))
    return cleaned


@transaction.atomic
def survey_submit(
    *,
    request: ServiceRequest,
    answers: Mapping[int, int],
    demographics: Demographics | Mapping | None = None,
    suggestions: str = "",
    source: str = SurveyResponse.Source.ONLINE,
    entered_by: Staff | None = None,
) -> SurveyResponse:
    """Record the one questionnaire of a request on the active version, with its answers (bulk)."""
    # Lock the request so that two submissions at once (a double tap, the clerk typing the paper
    # copy while the citizen answers online) are decided one after the other.
    sr = ServiceRequest.objects.select_for_update(of=("self",)).select_related("unit").get(pk=request.pk)
    if SurveyResponse.objects.filter(request=sr).exists():
        raise ValidationError(
            _("The questionnaire for this request has already been filled in."), code="duplicate"
        )
    if not survey_open(sr):
        raise ValidationError(
            _(
                "The questionnaire opens once the response has been delivered (or the request was refused or referred)."
            ),
            code="not_open",
        )
    if source not in SurveyResponse.Source.values:
        raise ValidationError(_("Unknown source of the questionnaire."))
    if source == SurveyResponse.Source.PAPER and entered_by is None:
        raise ValidationError(_("A paper questionnaire is entered by a member of staff."))
    questionnaire = questionnaire_active()
    values = _clean_answers(questionnaire, answers)
    if demographics is None:
        demographics = Demographics()
    elif isinstance(demographics, Mapping):
        demographics = Demographics(**demographics)

    now = timezone.now()
    where = {
        "service_id": sr.service_id,
        "unit_id": sr.unit_id,
        "body_id": sr.unit.body_id,
        "province_id": sr.unit.province_id,
        "county_id": sr.unit.county_id,
    }
    response = SurveyResponse(
        questionnaire=questionnaire,
        request=sr,
        source=source,
        entered_by=entered_by if source == SurveyResponse.Source.PAPER else None,
        submitted_at=now,
        suggestions=(suggestions or "").strip(),
        **asdict(demographics),
        **where,
    )
    # Only the person's own fields: the foreign keys were just read, and checking each again costs a query.
    response.full_clean(
        exclude=[name.removesuffix("_id") for name in where] + ["request", "questionnaire", "entered_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:  # the same request surveyed from two places in the same instant
        raise ValidationError(
            _("The questionnaire for this request has already been filled in."), code="duplicate"
        ) from exc
    by_number = {q.number: q for q in questionnaire.questions.all()}
    answer_rows = [
        Answer(response=response, question=by_number[number], value=value, submitted_at=now, **where)
        for number, value in sorted(values.items())
    ]
    Answer.objects.bulk_create(answer_rows)
    rollups.survey_rollup_add(response)
    rollups.answers_rollup_add(answer_rows)
    change_record(
        target=response,
        action="survey_submitted",
        actor=getattr(response.entered_by, "user", None),
        after={
            "request": sr.pk,
            "source": source,
            "questionnaire_version": questionnaire.version,
            "answers": len(values),
        },
    )
    return response


@transaction.atomic
def questionnaire_revise(*, questionnaire: Questionnaire, actor=None) -> Questionnaire:
    """Copy a version (both axis groupings, questions, reverse flags) into a new inactive version.
    `actor` (a user) is recorded in the change log."""
    # The lock on every version serialises two revisions, so the next number is never taken twice.
    latest = Questionnaire.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0
    copy = Questionnaire.objects.create(
        title=questionnaire.title,
        version=latest + 1,
        active=False,
        scale_labels=list(questionnaire.scale_labels),
    )
    axis_map = {}
    for axis in questionnaire.axes.order_by("grouping", "order"):
        axis_map[axis.pk] = Axis.objects.create(
            questionnaire=copy, grouping=axis.grouping, order=axis.order, title=axis.title
        )
    Question.objects.bulk_create(
        [
            Question(
                questionnaire=copy,
                number=q.number,
                text=q.text,
                axis=axis_map[q.axis_id],
                audit_axis=axis_map.get(q.audit_axis_id),
                reverse_scored=q.reverse_scored,
            )
            for q in questionnaire.questions.order_by("number")
        ]
    )
    change_record(
        target=copy,
        action="questionnaire_revised",
        actor=actor,
        before={"copied_from": questionnaire.version},
        after={"version": copy.version},
    )
    return copy


@transaction.atomic
def questionnaire_activate(*, questionnaire: Questionnaire, actor=None) -> Questionnaire:
    """Offer this version from now on; the version in use until now stops being offered."""
    questions = list(questionnaire.questions.select_related("axis", "audit_axis"))
    if not questions:
        raise ValidationError(_("A version without questions cannot be put in use."))
    if any(q.axis.questionnaire_id != questionnaire.pk for q in questions) or any(
        q.audit_axis_id and q.audit_axis.questionnaire_id != questionnaire.pk for q in questions
    ):
        raise ValidationError(_("Every question must sit on an axis of its own version."))
    if len(questionnaire.scale_labels or []) != SCALE_MAX - SCALE_MIN + 1:
        raise ValidationError(_("The scale needs exactly five labels."))
    previous = list(
        Questionnaire.objects.select_for_update().filter(active=True).exclude(pk=questionnaire.pk)
    )
    # Switch the old one off first: at most one version may be active at any moment.
    Questionnaire.objects.filter(pk__in=[q.pk for q in previous]).update(active=False)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(active=True)
    pagecache.bump("questionnaire")  # an update sends no signal
    questionnaire.active = True
    change_record(
        target=questionnaire,
        action="questionnaire_activated",
        actor=actor,
        before={"active_version": previous[0].version if previous else None},
        after={"active_version": questionnaire.version},
    )
    return questionnaire


# --- staff QR codes and ratings -----------------------------------------------------------------
# Issuing codes is the desk clerk's job (circular 242538 item a-2); views check the role and scope,
# these functions do the writes. A rating is the only write a citizen makes without a login, so it
# carries its own abuse rules: once a day per device and per mobile, and bursts held for review.
# (ValidationError, IntegrityError, transaction, timezone, gettext as _, change_record, SCALE_MIN/MAX
# come from the imports at the top of the module.)
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
from collections.abc import Iterable  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db.models import QuerySet  # noqa: E402
from django.utils import translation  # noqa: E402

from apps.core.text import normalize_free_text  # noqa: E402
from apps.core.validators import normalize_mobile  # noqa: E402
from apps.desk.tracking import tracking_code_check_digit_ok, tracking_code_clean  # noqa: E402
from apps.feedback.models import StaffQRCode, StaffRating  # noqa: E402
from apps.feedback.qr import qr_token_new  # noqa: E402
from apps.feedback.ratings import staff_rated_today  # noqa: E402
from apps.orgs.models import OrgUnit, Staff  # noqa: E402

RATING_COMMENT_MAX = 1000
# Draws of a new token before giving up; a clash of 72 random bits never happens in practice.
QR_TOKEN_ATTEMPTS = 5


class AlreadyRated(ValidationError):
    """This device or mobile has already rated this employee today (Tehran time)."""


def _actor(by: Staff | None):
    return getattr(by, "user", None)


def _live_code(staff_id: int) -> StaffQRCode | None:
    return StaffQRCode.objects.filter(staff_id=staff_id, revoked_at__isnull=True).first()


def _card_images_queue(code_ids: list[int]) -> None:
    """Draw the new codes' card pictures in the background once they are committed."""
    from apps.core.jobs import enqueue_on_commit
    from apps.feedback.tasks import qr_card_images_draw

    enqueue_on_commit(qr_card_images_draw, background=True, code_ids=code_ids)


def _qr_code_create(*, staff: Staff, by: Staff | None) -> tuple[StaffQRCode, bool]:
    """A new live code for `staff`, or the one another clerk issued a moment earlier (created=False)."""
    for _attempt in range(QR_TOKEN_ATTEMPTS):
        try:
            with transaction.atomic():
                code = StaffQRCode.objects.create(staff=staff, token=qr_token_new(), issued_by=by)
            _card_images_queue([code.pk])
            return code, True
        except IntegrityError:
            # Either the one-live-code constraint (a concurrent issue: theirs stands) or a token clash.
            live = _live_code(staff.pk)
            if live is not None:
                return live, False
    raise RuntimeError("no unique QR token after several draws")


@transaction.atomic
def staff_qr_issue(*, staff: Staff, by: Staff | None) -> StaffQRCode:
    """The employee's live code, issued now if there is none (idempotent); a new one is recorded."""
    if not staff.active:
        raise ValidationError(_("An inactive employee gets no QR code."), code="staff_inactive")
    live = _live_code(staff.pk)
    if live is not None:
        return live
    code, created = _qr_code_create(staff=staff, by=by)
    if created:
        change_record(target=staff, action="qr_issued", actor=_actor(by), after={"qr_code": code.pk})
    return code


@transaction.atomic
def staff_qr_issue_many(
    *, staff: QuerySet[Staff] | Iterable[Staff], by: Staff | None, record_on: OrgUnit | None = None
) -> list[StaffQRCode]:
    """Live codes for every active employee in `staff`, the missing ones created in bulk; returns
    them all. Recorded on `record_on` (one entry for a whole unit) or else on each employee."""
    if isinstance(staff, QuerySet):
        ids = list(staff.filter(active=True).values_list("pk", flat=True))
    else:
        ids = [s.pk for s in staff if s.active]
    live = StaffQRCode.objects.filter(staff_id__in=ids, revoked_at__isnull=True)
    have = set(live.values_list("staff_id", flat=True))
    missing = [pk for pk in ids if pk not in have]
    created: list[int] = []
    for _attempt in range(QR_TOKEN_ATTEMPTS):
        if not missing:
            break
        # ignore_conflicts: a code a concurrent clerk just issued wins over ours, and a token clash
        # (never seen, but possible) leaves its employee for the next draw.
        StaffQRCode.objects.bulk_create(
            [StaffQRCode(staff_id=pk, token=qr_token_new(), issued_by=by) for pk in missing],
            ignore_conflicts=True,
            batch_size=500,
        )
        ours = set(
            StaffQRCode.objects.filter(
                staff_id__in=missing, revoked_at__isnull=True, issued_by=by
            ).values_list("staff_id", flat=True)
        )
        created += [pk for pk in missing if pk in ours]
        have = set(live.values_list("staff_id", flat=True))
        missing = [pk for pk in missing if pk not in have]
    if missing:
        raise RuntimeError("no unique QR tokens after several draws")
    if created:
        codes = dict(live.filter(staff_id__in=created).values_list("staff_id", "pk"))
        _card_images_queue(list(codes.values()))
        if record_on is not None:
            change_record(
                target=record_on, action="qr_issued", actor=_actor(by), after={"staff": sorted(created)}
            )
        else:
            for member in Staff.objects.filter(pk__in=created):
                change_record(
                    target=member, action="qr_issued", actor=_actor(by), after={"qr_code": codes[member.pk]}
                )
    return list(live.select_related("staff").order_by("staff__last_name", "staff__first_name", "staff_id"))


def staff_qr_issue_unit(*, unit: OrgUnit, by: Staff | None) -> list[StaffQRCode]:
    """Live codes for every active employee of the unit and the units below it (one transaction,
    missing codes created in bulk, one entry in the unit's change log)."""
    return staff_qr_issue_many(
        staff=Staff.objects.filter(unit__path__startswith=unit.path), by=by, record_on=unit
    )


@transaction.atomic
def staff_qr_reissue(*, staff: Staff, by: Staff | None) -> StaffQRCode:
    """Revoke the employee's live code (a lost card: its page now says it is no longer valid) and
    issue a new token."""
    if not staff.active:
        raise ValidationError(_("An inactive employee gets no QR code."), code="staff_inactive")
    old = StaffQRCode.objects.select_for_update().filter(staff=staff, revoked_at__isnull=True).first()
    if old is not None:
        old.revoked_at = timezone.now()
        old.save(update_fields=["revoked_at"])
    code, _created = _qr_code_create(staff=staff, by=by)
    change_record(
        target=staff,
        action="qr_reissued",
        actor=_actor(by),
        before={"qr_code": old.pk if old else None},
        after={"qr_code": code.pk},
    )
    return code


@transaction.atomic
def staff_qr_revoke(*, staff: Staff, by: Staff | None) -> StaffQRCode | None:
    """Withdraw the employee's live code without issuing another (someone who leaves or stops serving
    clients): its page says the card is no longer valid. Returns the revoked code, None if there was none."""
    code = StaffQRCode.objects.select_for_update().filter(staff=staff, revoked_at__isnull=True).first()
    if code is None:
        return None
    code.revoked_at = timezone.now()
    code.save(update_fields=["revoked_at"])
    change_record(
        target=staff,
        action="qr_revoked",
        actor=_actor(by),
        before={"qr_code": code.pk},
        after={"qr_code": None},
    )
    return code


def rating_device_key(*, device_id: str, address: str, user_agent: str) -> str:
    """What "one device" means for the once-a-day rule: the signed cookie's id with the address and
    browser. Without a cookie (refused or never set) the address and browser alone stand for it."""
    raw = "\x1f".join((device_id or "", address or "", (user_agent or "")[:300]))
    return hashlib.sha256(raw.encode()).hexdigest()


def _burst_flag(*, staff: Staff, now: dt.datetime) -> None:
    """Hold every unreviewed rating of a burst: RATING_BURST_COUNT or more ratings of one employee
    within RATING_BURST_MINUTES is how self-rating from many phones looks."""
    window = StaffRating.objects.filter(
        staff=staff,
        created_at__gt=now - dt.timedelta(minutes=settings.RATING_BURST_MINUTES),
        created_at__lte=now,
    )
    count = window.count()
    if count < settings.RATING_BURST_COUNT:
        return
    # Stored in the portal's language: the reason is read by supervisors, not by the citizen.
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Burst: %(count)d ratings of this employee within %(minutes)d minutes.") % {
            "count": count,
            "minutes": settings.RATING_BURST_MINUTES,
        }
    # The ratings that counted until now leave the averages of their days' rollups.
    newly_held = list(window.filter(reviewed_at__isnull=True, flagged=False).values(*rollups.RATING_FIELDS))
    window.filter(reviewed_at__isnull=True).update(flagged=True, flag_reason=reason)
    rollups.ratings_rollup_move(
        newly_held, before={"flagged": False, "reviewed": False}, after={"flagged": True, "reviewed": False}
    )


@transaction.atomic
def staff_rating_submit(
    *,
    code: StaffQRCode,
    score: int,
    device_key: str,
    comment: str = "",
    tracking_code: str = "",
    mobile: str = "",
    now: dt.datetime | None = None,
) -> StaffRating:
    """Record a citizen's rating of the employee behind a live code. Refuses a second rating of the
    same employee the same Tehran day from the device or mobile (AlreadyRated); holds bursts."""
    now = now or timezone.now()
    # Locking the employee serialises their ratings, so the once-a-day check and the burst count
    # of two simultaneous submissions see each other.
    staff = Staff.objects.select_for_update().select_related("unit").get(pk=code.staff_id)
    code = StaffQRCode.objects.get(pk=code.pk)
    if code.revoked_at is not None or not staff.active:
        raise ValidationError(_("This card is no longer valid."), code="card_invalid")
    if not isinstance(score, int) or not SCALE_MIN <= score <= SCALE_MAX:
        raise ValidationError(_("Choose one of the five levels."), code="score_invalid")
    comment = normalize_free_text(comment or "")
    if len(comment) > RATING_COMMENT_MAX:
        raise ValidationError(
            _("The comment may be at most %(max)d characters.") % {"max": RATING_COMMENT_MAX},
            code="comment_long",
        )
    tracking_code = tracking_code_clean(tracking_code)
    if tracking_code and not tracking_code_check_digit_ok(tracking_code):
        raise ValidationError(
            _("This tracking code is mistyped: check the 11 digits on your receipt, or leave it empty."),
            code="tracking_code_invalid",
        )
    mobile = normalize_mobile(mobile) if (mobile or "").strip() else ""
    if staff_rated_today(staff=staff, device_key=device_key, mobile=mobile, now=now):
        raise AlreadyRated(_("You have already rated this colleague today. Thank you!"), code="already_rated")
    rating = StaffRating.objects.create(
        staff=staff,
        code=code,
        score=score,
        comment=comment,
        tracking_code=tracking_code,
        mobile=mobile,
        device_key=device_key,
        created_at=now,
        unit=staff.unit,
        body_id=staff.body_id,
        province_id=staff.unit.province_id,
    )
    rollups.rating_rollup_add(rating)
    _burst_flag(staff=staff, now=now)
    rating.refresh_from_db(fields=["flagged", "flag_reason"])
    return rating


def _review_record(rating: StaffRating, *, accept: bool, by: Staff | None, before: dict) -> None:
    change_record(
        target=rating,
        action="rating_accepted" if accept else "rating_rejected",
        actor=_actor(by),
        before=before,
        after={"flagged": not accept, "reviewed_by": by.pk if by else None},
    )


@transaction.atomic
def staff_rating_review(*, rating: StaffRating, accept: bool, by: Staff | None) -> StaffRating:
    """A supervisor's decision on a held rating: accepted, it counts from now on; rejected, it stays
    held and leaves the review queue."""
    rating = StaffRating.objects.select_for_update().get(pk=rating.pk)
    before = {"flagged": rating.flagged, "reviewed_by": rating.reviewed_by_id}
    was = {"flagged": rating.flagged, "reviewed": rating.reviewed_at is not None}
    rating.flagged = not accept
    rating.reviewed_by = by
    rating.reviewed_at = timezone.now()
    rating.save(update_fields=["flagged", "reviewed_by", "reviewed_at"])
    rollups.ratings_rollup_move([rating], before=was, after={"flagged": rating.flagged, "reviewed": True})
    _review_record(rating, accept=accept, by=by, before=before)
    return rating


@transaction.atomic
def staff_rating_review_many(*, ratings: QuerySet[StaffRating], accept: bool, by: Staff | None) -> int:
    """A supervisor's decision on a whole burst: every rating of `ratings` still waiting for review is
    accepted (counts from now on) or rejected (stays out), in one update; each decision is recorded
    on its rating. Returns how many were decided (one decided meanwhile is left as it was)."""
    waiting = list(
        ratings.select_for_update(of=("self",))
        .filter(flagged=True, reviewed_at__isnull=True)
        .order_by("pk")
        .only("pk", "flagged", "reviewed_by", *rollups.RATING_FIELDS)
    )
    StaffRating.objects.filter(pk__in=[r.pk for r in waiting]).update(
        flagged=not accept, reviewed_by=by, reviewed_at=timezone.now()
    )
    rollups.ratings_rollup_move(
        waiting, before={"flagged": True, "reviewed": False}, after={"flagged": not accept, "reviewed": True}
    )
    for rating in waiting:
        _review_record(
            rating, accept=accept, by=by, before={"flagged": True, "reviewed_by": rating.reviewed_by_id}
        )
    return len(waiting)
