"""factory-boy factories shared by every test package."""

import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.audits.models import AuditForm, AuditRound, AuditServiceRow, AuditSpaceItem
from apps.catalog.models import Fee, RequiredDocument, SubService, WorkflowStage
from apps.feedback.models import (
    Answer,
    Axis,
    Question,
    Questionnaire,
    StaffQRCode,
    StaffRating,
    SurveyResponse,
)
from apps.orgs.models import Body, Counter, County, OrgUnit, Province, Staff


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n:03d}")
    name_fa = factory.Sequence(lambda n: f"استان {n}")
    name_en = factory.Sequence(lambda n: f"Province {n}")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County

    province = factory.SubFactory(ProvinceFactory)
    name_fa = factory.Sequence(lambda n: f"شهرستان {n}")
    name_en = factory.Sequence(lambda n: f"County {n}")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    name_fa = factory.Sequence(lambda n: f"دستگاه {n}")
    name_en = factory.Sequence(lambda n: f"Body {n}")
    head_name = "علی رضایی"
    head_post = "مدیرکل"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    """A provincial unit by default; pass level/parent for others."""

    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"واحد {n}")
    body = factory.SubFactory(BodyFactory)
    level = OrgUnit.Level.PROVINCE
    province = factory.SubFactory(ProvinceFactory)
    county = None


class DepartmentFactory(OrgUnitFactory):
    level = OrgUnit.Level.DEPARTMENT
    parent = factory.SubFactory(OrgUnitFactory)
    body = factory.SelfAttribute("parent.body")
    province = None


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter

    unit = factory.SubFactory(OrgUnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "پذیرش"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234-word")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    first_name = factory.Iterator(["مریم", "علی", "زهرا", "حسین", "فاطمه"])
    last_name = factory.Iterator(["احمدی", "محمدی", "کریمی", "رضایی", "حسینی"])
    personnel_code = factory.Sequence(lambda n: f"{1000 + n}")
    post = "کارشناس میز خدمت"
    main_duties = "پذیرش درخواست‌ها و راهنمایی ارباب رجوع"
    unit = factory.SubFactory(OrgUnitFactory)
    user = None


def staff_user(role: str | None, unit: OrgUnit | None = None, **staff_kwargs) -> Staff:
    """A staff member with a login in the given role (group name from apps.orgs.roles)."""
    user = UserFactory(role=role)
    return StaffFactory(user=user, unit=unit or OrgUnitFactory(), **staff_kwargs)


# --- catalog ------------------------------------------------------------------------------------


class SubServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubService

    body = factory.SubFactory(BodyFactory)
    code = factory.Sequence(lambda n: f"{11000 + n}")
    title = factory.Sequence(lambda n: f"صدور گواهی شماره {n}")
    description = "شرح خدمت برای ارباب رجوع"
    channel = "in_person"
    non_electronic_reason = "law"
    addresses = "ساری، بلوار پاسداران"


class WorkflowStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkflowStage

    service = factory.SubFactory(SubServiceFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"مرحله {n}")
    responsible_unit = factory.LazyAttribute(lambda o: OrgUnitFactory(body=o.service.body))
    responsible_post = "کارشناس"
    duration = Decimal(2)
    duration_unit = "working_day"


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    service = factory.SubFactory(SubServiceFactory)
    title = factory.Sequence(lambda n: f"مدرک {n}")
    form = "copy"


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    service = factory.SubFactory(SubServiceFactory)
    title = "هزینه صدور"
    amount_rials = 500000
    account = "IR820170000000123456789012"
    legal_basis = "بند ۳ ماده ۵ قانون بودجه"


# --- desk ---------------------------------------------------------------------------------------
def registered_request(*, service=None, unit=None, clerk=None, stages: int = 3, **applicant):
    """A request registered through the real service (stages copied, first stage active)."""
    from apps.desk import services as desk_services

    unit = unit or (clerk.unit if clerk else OrgUnitFactory())
    if service is None:
        service = SubServiceFactory(body=unit.body)
        for n in range(1, stages + 1):
            WorkflowStageFactory(service=service, order=n, responsible_unit=unit)
    defaults = {"national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567"}
    defaults.update(applicant)
    return desk_services.service_request_register(
        service=service, unit=unit, by=clerk, applicant=desk_services.Applicant(**defaults), documents=[]
    )


# --- cases --------------------------------------------------------------------------------------
def body_duty(body, title: str = "رسیدگی به امور مراجعان"):
    """One duty of a body, so that a desk may register cases on it (charter 3-8)."""
    from apps.orgs.models import BodyDuty

    return BodyDuty.objects.get_or_create(body=body, title=title)[0]


def registered_case(*, case_type: str = "request", unit=None, clerk=None, level: str = "province", **details):
    """A case registered through the real service (code, due time, first timeline line), at the
    desk under one of the body's duties unless told otherwise."""
    from apps.cases.services import case_register
    from apps.desk.services import Applicant

    unit = unit or (clerk.unit if clerk else OrgUnitFactory())
    if not {"service", "duty", "referred_to"} & set(details) and details.get("channel", "desk") != "online":
        details["duty"] = body_duty(details.get("body") or unit.body)
    return case_register(
        case_type=case_type, level=level, unit=unit, by=clerk, subject="موضوع مورد", description="شرح مورد",
        applicant=Applicant(national_code="0499370899", full_name="سارا محمدی", mobile="09121234567"), **details,
    )


# --- feedback (survey) --------------------------------------------------------------------------
def answered_request(*, outcome: str = "granted", deliver: bool = True, unit=None, service=None, **applicant):
    """A request taken through the real workflow: every stage done, a response with `outcome`, and
    (unless deliver=False) handed over."""
    from apps.desk import services as desk_services

    unit = unit or OrgUnitFactory()
    sr = registered_request(unit=unit, service=service, stages=1, **applicant)
    by = StaffFactory(unit=unit)
    for stage in sr.stages.order_by("order"):
        desk_services.stage_complete(stage_id=stage.pk, by=by)
    desk_services.response_issue(
        request_id=sr.pk, by=by, outcome=outcome, content="پاسخ درخواست", legal_basis="ماده ۵ دستورالعمل"
    )
    if deliver:
        desk_services.request_deliver(request_id=sr.pk, by=by)
    sr.refresh_from_db()
    return sr


def survey_answers(value: int = 5, **by_question) -> dict[int, int]:
    """Answers to the 16 questions of table 5: `value` everywhere except q<n>=… given."""
    answers = dict.fromkeys(range(1, 17), value)
    answers.update({int(key[1:]): v for key, v in by_question.items()})
    return answers


def survey_response(
    sr=None, *, answers: dict[int, int] | int = 5, source: str = "online", entered_by=None, **request_kwargs
):
    """A questionnaire filled in for `sr` (or for a new delivered request) through the real service."""
    from apps.feedback.services import survey_submit

    sr = sr or answered_request(**request_kwargs)
    if isinstance(answers, int):
        answers = survey_answers(answers)
    return survey_submit(
        request=sr,
        answers=answers,
        demographics={"gender": "female", "age_band": "25-40"},
        suggestions="",
        source=source,
        entered_by=entered_by,
    )


def questionnaire_active() -> Questionnaire:
    """The active questionnaire version. A browser test's flushed database may come back without the
    version the migration seeded, so it is seeded again when missing."""
    from apps.feedback.questionnaire_seed import questionnaire_seed

    questionnaire_seed(Questionnaire, Axis, Question)
    return Questionnaire.objects.get(active=True)


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """A questionnaire response written directly, with its request's service and territory copied as
    apps.feedback.services.survey_submit copies them; no answers (AnswerFactory). Prefer
    survey_response() where submitting itself is tested."""

    class Meta:
        model = SurveyResponse

    questionnaire = factory.LazyFunction(questionnaire_active)
    request = factory.LazyFunction(registered_request)
    submitted_at = factory.LazyFunction(timezone.now)
    service = factory.SelfAttribute("request.service")
    unit = factory.SelfAttribute("request.unit")
    body = factory.SelfAttribute("unit.body")
    province = factory.SelfAttribute("unit.province")
    county = factory.SelfAttribute("unit.county")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted in the daily rollups as survey_submit counts it: the dashboards read those.
        from apps.feedback import rollups

        response = super()._create(model_class, *args, **kwargs)
        rollups.survey_rollup_add(response)
        return response


class AnswerFactory(factory.django.DjangoModelFactory):
    """An answer to the response's first question not answered yet, with the response's copies."""

    class Meta:
        model = Answer

    response = factory.SubFactory(SurveyResponseFactory)
    question = factory.LazyAttribute(
        lambda o: (
            o.response.questionnaire.questions.exclude(answers__response=o.response)
            .order_by("number")
            .first()
        )
    )
    value = 5
    submitted_at = factory.SelfAttribute("response.submitted_at")
    service = factory.SelfAttribute("response.service")
    unit = factory.SelfAttribute("response.unit")
    body = factory.SelfAttribute("response.body")
    province = factory.SelfAttribute("response.province")
    county = factory.SelfAttribute("response.county")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from apps.feedback import rollups

        answer = super()._create(model_class, *args, **kwargs)
        rollups.answers_rollup_add([answer])
        return answer


# --- feedback (QR) ------------------------------------------------------------------------------
_devices = itertools.count(1)


class StaffQRCodeFactory(factory.django.DjangoModelFactory):
    """A live code; prefer apps.feedback.services.staff_qr_issue where issuing itself is tested."""

    class Meta:
        model = StaffQRCode

    staff = factory.SubFactory(StaffFactory)
    token = factory.Sequence(lambda n: f"tok{n:09d}")


class StaffRatingFactory(factory.django.DjangoModelFactory):
    """A counted rating written directly (no once-a-day or burst rules): for aggregates."""

    class Meta:
        model = StaffRating

    code = factory.SubFactory(StaffQRCodeFactory)
    staff = factory.SelfAttribute("code.staff")
    score = 4
    device_key = factory.Sequence(lambda n: f"device-{n}")
    created_at = factory.LazyFunction(timezone.now)
    unit = factory.SelfAttribute("staff.unit")
    body = factory.SelfAttribute("staff.unit.body")
    province = factory.SelfAttribute("staff.unit.province")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted (or held) in the daily rollups as the rating services count it.
        from apps.feedback import rollups

        rating = super()._create(model_class, *args, **kwargs)
        rollups.rating_rollup_add(rating)
        return rating


def rating_submit(code, *, score: int = 5, device: str | None = None, **kwargs):
    """A rating through the real service (once-a-day and burst rules apply); a fresh device by default."""
    from apps.feedback.services import staff_rating_submit

    device = device or f"test-device-{next(_devices)}"
    return staff_rating_submit(code=code, score=score, device_key=device, **kwargs)


# --- audits -------------------------------------------------------------------------------------


class AuditRoundFactory(factory.django.DjangoModelFactory):
    """A bare round (no forms); open rounds through apps.audits.services.audit_round_open."""

    class Meta:
        model = AuditRound
        django_get_or_create = ("year", "number")

    year = 1405
    number = factory.Sequence(lambda n: n % 6 + 1)


class AuditFormFactory(factory.django.DjangoModelFactory):
    """An annex 2 form written directly, in any state; go through apps.audits.services where opening
    a round or the form's workflow is what is tested."""

    class Meta:
        model = AuditForm

    round = factory.SubFactory(AuditRoundFactory)
    unit = factory.SubFactory(OrgUnitFactory)
    body = factory.SelfAttribute("unit.body")


def hq_unit(**kwargs) -> OrgUnit:
    """A national headquarters unit (no province)."""
    return OrgUnitFactory(level=OrgUnit.Level.HQ, province=None, **kwargs)


def audit_round_opened():
    """The round of the current bimonth, opened through the real service (forms pre-filled)."""
    from apps.audits.services import audit_round_open_current

    return audit_round_open_current()


def desk_request(*, service, unit, received: list[bool] | tuple[bool, ...] = (), channel: str = "desk"):
    """A request registered at `unit`'s desk with one checklist document per item of `received`
    (True: taken at intake); registered incomplete when one is missing."""
    from apps.desk import services as desk_services

    documents = [
        desk_services.IntakeDocument(required_id=None, title=f"مدرک {n}", received=got)
        for n, got in enumerate(received, start=1)
    ]
    return desk_services.service_request_register(
        service=service,
        unit=unit,
        channel=channel,
        applicant=desk_services.Applicant(
            national_code="0499370899", full_name="سارا محمدی", mobile="09121234567"
        ),
        documents=documents,
        incomplete_reason="" if all(received) else "مدرک بعداً تحویل می‌شود",
    )


# --- reports ------------------------------------------------------------------------------------
def report_answers_at(sr, *, at, value: int = 5):
    """A questionnaire of request `sr` written directly (answer `value` to every question of the active
    version) and submitted at `at`: periodic reports count answers by their timestamp."""
    from apps.feedback import rollups

    response = SurveyResponseFactory(request=sr, submitted_at=at)
    answers = Answer.objects.bulk_create(
        AnswerFactory.build(response=response, question=question, value=value)
        for question in response.questionnaire.questions.all()
    )
    rollups.answers_rollup_add(answers)
    return response


def report_audit_form_verified(
    *,
    unit,
    year: int,
    number: int,
    channels: list[str],
    false_channel: int = 0,
    space: dict[int, str] | None = None,
):
    """A verified annex 2 form of `unit` in round (year, number): one service row per channel given
    (the first `false_channel` of them found false by the evaluator) and the evaluator's §2 ratings."""
    form = AuditFormFactory(
        round=AuditRoundFactory(year=year, number=number), unit=unit, state=AuditForm.State.VERIFIED
    )
    AuditServiceRow.objects.bulk_create(
        AuditServiceRow(
            form=form,
            order=n,
            code=f"{9000 + n}",
            title=f"خدمت {n}",
            channel=channel,
            channel_false=n <= false_channel,
        )
        for n, channel in enumerate(channels, start=1)
    )
    for item, rating in (space or {}).items():
        AuditSpaceItem.objects.create(form=form, item=item, evaluator_rating=rating, body_rating=rating)
    return form


def api_key(*, scopes=(), unit=None, body=None, national: bool = False, staff=None, name: str = "سامانه اتوماسیون"):
    """An issued API key and its raw secret (what an integrating system sends)."""
    from apps.api.keys import api_key_issue
    from apps.api.models import ApiKey, Scope

    scopes = list(Scope.values) if scopes == "all" else list(scopes)
    if unit is None and body is None and not national:
        unit = OrgUnitFactory()
    key = ApiKey(name=name, unit=unit, body=body, national=national, staff=staff, scopes=scopes)
    raw = api_key_issue(key)
    return key, raw
