"""The satisfaction questionnaire: one per request, when it opens, versions, the citizen's page behind
the national code, the clerk's paper entry, the blank paper form, and the admin's revise button."""

import re
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.feedback.indices import answers_in_scope, axis_indices, overall_index, question_indices
from apps.feedback.models import Answer, Axis, Question, Questionnaire, SurveyResponse
from apps.feedback.questionnaire_seed import QUESTIONS
from apps.feedback.services import questionnaire_activate, questionnaire_revise, survey_submit
from apps.orgs import roles
from tests.factories import (
    BodyFactory,
    OrgUnitFactory,
    answered_request,
    registered_request,
    staff_user,
    survey_answers,
    survey_response,
)
from tests.i18n import fa as _fa
from tests.pdf_utils import extracted, keep_pdf, pdf_page_size_mm, pdf_text, reads

pytestmark = pytest.mark.django_db

NATIONAL_CODE = "0499370899"  # tests.factories.registered_request


def _submit(sr, answers=None, **kwargs):
    defaults = {"demographics": None, "suggestions": "", "source": "online"}
    defaults.update(kwargs)
    return survey_submit(request=sr, answers=answers or survey_answers(4), **defaults)


def _confirm_national_code(client, sr) -> None:
    page = client.post(reverse("track"), {"code": sr.tracking_code, "national_code": NATIONAL_CODE})
    assert page.status_code == 200
    assert page.context["verified"]


def _form_data(value: int = 4, **extra) -> dict:
    data = {f"q{n}": str(value) for n in range(1, 17)}
    data.update(extra)
    return data


# --- services -----------------------------------------------------------------------------------


def test_a_request_takes_one_questionnaire_with_copies_of_where_it_belongs():
    sr = answered_request()
    response = _submit(
        sr,
        answers=survey_answers(5, q9=1),
        demographics={"gender": "male", "age_band": "40-60", "visits_past_year": 3},
        suggestions="  صف طولانی بود  ",
    )

    assert response.questionnaire == Questionnaire.objects.get(active=True)
    assert (response.gender, response.age_band, response.visits_past_year) == ("male", "40-60", 3)
    assert response.suggestions == "صف طولانی بود"
    assert response.source == "online"
    assert response.entered_by is None
    where = (sr.service_id, sr.unit_id, sr.unit.body_id, sr.unit.province_id, sr.unit.county_id)
    assert (
        response.service_id,
        response.unit_id,
        response.body_id,
        response.province_id,
        response.county_id,
    ) == where
    answers = Answer.objects.filter(response=response)
    assert answers.count() == 16
    assert set(answers.values_list("service_id", "unit_id", "body_id", "province_id", "county_id")) == {where}
    assert set(answers.values_list("submitted_at", flat=True)) == {response.submitted_at}
    assert answers.get(question__number=9).value == 1

    with pytest.raises(ValidationError) as second:
        _submit(sr)
    assert second.value.code == "duplicate"
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.count() == 16


@pytest.mark.parametrize(
    ("outcome", "deliver", "opens"),
    [
        ("granted", False, False),  # a granted response must be collected first
        ("granted", True, True),
        ("refused", False, True),  # a refusal is surveyed as soon as it is answered
        ("referred", False, True),
        ("refused", True, True),
    ],
)
def test_the_questionnaire_opens_on_delivery_or_on_a_refusal(outcome, deliver, opens):
    sr = answered_request(outcome=outcome, deliver=deliver)
    if opens:
        assert _submit(sr).pk
    else:
        with pytest.raises(ValidationError) as refused:
            _submit(sr)
        assert refused.value.code == "not_open"


def test_a_request_in_progress_cannot_be_surveyed():
    with pytest.raises(ValidationError):
        _submit(registered_request())
    assert not SurveyResponse.objects.exists()


def test_answers_outside_the_scale_or_the_questionnaire_are_refused():
    sr = answered_request()
    for bad in ({1: 6}, {1: 0}, {17: 3}, {}, {1: None}):
        with pytest.raises(ValidationError):
            _submit(sr, answers=bad or {1: None})
    with pytest.raises(ValidationError):
        _submit(sr, source="paper")  # paper without the clerk who typed it
    with pytest.raises(ValidationError):
        _submit(sr, demographics={"gender": "other"})
    assert not SurveyResponse.objects.exists()


def test_answers_stay_tied_to_the_version_they_were_given_on():
    """GIVEN a questionnaire answered on version 1
    WHEN version 1 is revised into version 2, item 9 is reworded and no longer reverse-scored there,
    and version 2 is put in use
    THEN version 1 and its answers are unchanged (same questions, same indices), version 2 is a full
    copy with both groupings, and a new questionnaire is answered on version 2."""
    v1 = Questionnaire.objects.get(active=True)
    first = survey_response(answers=5)
    v1_answers = answers_in_scope(questionnaire=v1)
    before = (question_indices(v1_answers), axis_indices(v1_answers, "annex2"), overall_index(v1_answers))

    v2 = questionnaire_revise(questionnaire=v1)
    assert (v2.version, v2.active, v2.title, v2.scale_labels) == (2, False, v1.title, v1.scale_labels)
    assert v2.axes.filter(grouping=Axis.Grouping.TABLE5).count() == 6
    assert v2.axes.filter(grouping=Axis.Grouping.ANNEX2).count() == 6
    copied = {q.number: q for q in v2.questions.select_related("axis", "audit_axis")}
    assert {n: q.text for n, q in copied.items()} == QUESTIONS
    assert {n for n, q in copied.items() if q.reverse_scored} == {9, 11, 14, 15}
    assert all(
        q.axis.questionnaire_id == v2.pk and q.audit_axis.questionnaire_id == v2.pk for q in copied.values()
    )
    assert [copied[n].audit_axis.order for n in (7, 8, 9, 10)] == [3, 3, 3, 4]
    assert not set(copied.values()) & set(v1.questions.all())

    Question.objects.filter(pk=copied[9].pk).update(text="چند بار مراجعه کردید؟", reverse_scored=False)
    questionnaire_activate(questionnaire=v2)
    v1.refresh_from_db()
    assert not v1.active
    assert Questionnaire.objects.get(active=True) == v2

    second = survey_response(answers=5)
    assert second.questionnaire == v2
    assert set(Answer.objects.filter(response=first).values_list("question__questionnaire", flat=True)) == {
        v1.pk
    }
    assert set(Answer.objects.filter(response=second).values_list("question__questionnaire", flat=True)) == {
        v2.pk
    }
    assert v1.questions.get(number=9).text == QUESTIONS[9]
    assert v1.questions.get(number=9).reverse_scored
    v1_answers = answers_in_scope(questionnaire=v1)
    assert (
        question_indices(v1_answers),
        axis_indices(v1_answers, "annex2"),
        overall_index(v1_answers),
    ) == before
    # On version 2 item 9 is an ordinary question: answered 5, it scores 100.
    assert question_indices(answers_in_scope(questionnaire=v2))[9].index == 100.0


def test_revising_twice_takes_the_next_free_version_number():
    v1 = Questionnaire.objects.get()
    assert questionnaire_revise(questionnaire=v1).version == 2
    assert questionnaire_revise(questionnaire=v1).version == 3


# --- the citizen's page -------------------------------------------------------------------------


def test_the_citizen_page_needs_the_national_code_confirmed_on_the_tracking_page(client):
    sr = answered_request()
    url = reverse("feedback:survey", args=[sr.tracking_code])

    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"] == f"{reverse('track')}?code={sr.tracking_code}"
    assert client.post(url, _form_data()).status_code == 302
    assert not SurveyResponse.objects.exists()
    assert client.get(reverse("feedback:survey", args=["12345678901"])).status_code == 404

    # Another request's confirmation opens nothing for this one.
    other = answered_request(national_code="0790419904")
    page = client.post(reverse("track"), {"code": other.tracking_code, "national_code": "0790419904"})
    assert page.context["verified"]
    assert client.get(url).status_code == 302

    _confirm_national_code(client, sr)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert sr.unit.body.name_fa in html
    assert sr.unit.body.head_name in html
    assert sr.unit.body.head_post in html
    assert all(text in html for text in QUESTIONS.values())
    assert html.count('type="radio"') >= 16 * 5
    assert "<script" not in html.split("<main", 1)[1]


def test_the_citizen_answers_and_is_thanked_once(client):
    sr = answered_request(outcome="refused", deliver=False)
    _confirm_national_code(client, sr)
    url = reverse("feedback:survey", args=[sr.tracking_code])

    missing = client.post(url, _form_data(q7=""))
    assert missing.status_code == 200
    assert "q7" in missing.context["form"].errors
    assert not SurveyResponse.objects.exists()

    done = client.post(
        url,
        _form_data(
            3,
            gender="female",
            age_band="lt25",
            education="bachelor",
            visits_past_year="۲",
            suggestions="ساعت کاری را بیشتر کنید",
        ),
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("feedback:survey_thanks", args=[sr.tracking_code])
    response = SurveyResponse.objects.get(request=sr)
    assert (response.source, response.education, response.visits_past_year) == ("online", "bachelor", 2)
    assert set(response.answers.values_list("value", flat=True)) == {3}
    thanks = client.get(done["Location"])
    assert thanks.status_code == 200
    assert _fa("Thank you! Your answers were recorded.") in thanks.content.decode()

    again = client.get(url)
    assert again.status_code == 200
    assert again.templates[0].name == "feedback/survey_done.html"
    client.post(url, _form_data(5))
    assert SurveyResponse.objects.count() == 1
    assert set(response.answers.values_list("value", flat=True)) == {3}


def test_the_citizen_page_waits_for_delivery_of_a_granted_response(client):
    sr = answered_request(deliver=False)
    _confirm_national_code(client, sr)
    page = client.get(reverse("feedback:survey", args=[sr.tracking_code]))
    assert page.status_code == 200
    assert page.templates[0].name == "feedback/survey_closed.html"
    assert client.post(reverse("feedback:survey", args=[sr.tracking_code]), _form_data()).status_code == 200
    assert not SurveyResponse.objects.exists()


def test_the_tracking_page_offers_the_questionnaire_only_after_the_national_code(client):
    sr = answered_request()
    link = reverse("feedback:survey", args=[sr.tracking_code])
    assert link not in client.get(reverse("track"), {"code": sr.tracking_code}).content.decode()
    _confirm_national_code(client, sr)
    assert link in client.get(reverse("track"), {"code": sr.tracking_code}).content.decode()

    survey_response(sr)
    page = client.get(reverse("track"), {"code": sr.tracking_code}).content.decode()
    assert link not in page
    assert _fa("Thank you for filling in the satisfaction questionnaire.") in page

    waiting = answered_request(deliver=False, national_code=NATIONAL_CODE)
    _confirm_national_code(client, waiting)
    assert (
        reverse("feedback:survey", args=[waiting.tracking_code])
        not in client.get(reverse("track"), {"code": waiting.tracking_code}).content.decode()
    )


def test_the_citizen_post_is_rate_limited_per_address(client, settings):
    settings.SURVEY_RATE = "2/h"
    sr = answered_request()
    _confirm_national_code(client, sr)
    url = reverse("feedback:survey", args=[sr.tracking_code])
    assert client.post(url, {}).status_code == 200
    assert client.post(url, {}).status_code == 200
    assert client.post(url, _form_data()).status_code == 429
    assert not SurveyResponse.objects.exists()


# --- paper entry at the desk --------------------------------------------------------------------


def test_a_clerk_enters_a_paper_questionnaire_with_a_blank_line(client, clerk):
    sr = answered_request(unit=clerk.unit)
    client.force_login(clerk.user)
    url = reverse("feedback:survey_paper_entry", args=[sr.pk])
    assert client.get(url).status_code == 200
    detail = client.get(reverse("desk:request_detail", args=[sr.pk])).content.decode()
    assert url in detail

    page = client.post(url, _form_data(2, q5="", gender="male"))
    assert page.status_code == 302
    assert page["Location"] == reverse("desk:request_detail", args=[sr.pk])
    response = SurveyResponse.objects.get(request=sr)
    assert response.source == SurveyResponse.Source.PAPER
    assert response.entered_by == clerk
    assert sorted(response.answers.values_list("question__number", flat=True)) == [
        n for n in range(1, 17) if n != 5
    ]

    # A second form for the same request goes back to the request page with a message.
    assert client.post(url, _form_data(5)).status_code == 302
    assert SurveyResponse.objects.count() == 1


def test_a_paper_form_with_nothing_ticked_is_refused(client, clerk):
    sr = answered_request(unit=clerk.unit)
    client.force_login(clerk.user)
    page = client.post(reverse("feedback:survey_paper_entry", args=[sr.pk]), {"gender": "male"})
    assert page.status_code == 200
    assert page.context["form"].non_field_errors()
    assert not SurveyResponse.objects.exists()


def test_paper_entry_for_a_request_of_another_province_is_404(client, clerk):
    elsewhere = answered_request(unit=OrgUnitFactory())
    assert elsewhere.unit.province_id != clerk.unit.province_id
    client.force_login(clerk.user)
    url = reverse("feedback:survey_paper_entry", args=[elsewhere.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form_data()).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_paper_entry_is_for_clerks_and_supervisors(client, officer, supervisor):
    sr = answered_request(unit=officer.unit)
    url = reverse("feedback:survey_paper_entry", args=[sr.pk])
    client.force_login(officer.user)
    assert client.get(url).status_code == 403
    client.force_login(supervisor.user)
    assert client.get(url).status_code == 200


# --- the blank paper form -----------------------------------------------------------------------


def _letters(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


def _cell_text(pdf: bytes) -> str:
    """The PDF's text cell by cell: `pdftotext -layout` (pdf_text) interleaves the lines of a wrapped
    question with the axis column beside it, while `-raw` keeps each cell's lines together but in
    visual order, words right to left; turning each line round gives the words back in reading
    order. Punctuation and spaces are dropped, since they end up on the wrong side of words."""
    command = ["pdftotext", "-raw", "-", "-"]
    raw = subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    return _letters("".join(" ".join(reversed(line.split())) for line in raw.splitlines()))


def test_the_paper_form_carries_the_questions_the_body_and_its_head(client, clerk):
    body = clerk.unit.body
    body.name_fa, body.head_name, body.head_post = (
        "اداره کل ثبت اسناد و املاک استان مازندران",
        "محمود نوربخش",
        "مدیرکل",
    )
    body.save()
    client.force_login(clerk.user)

    response = client.get(reverse("feedback:survey_paper_pdf"), {"body": body.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    keep_pdf(pdf, "survey-paper")
    text = pdf_text(pdf)
    assert pdf_page_size_mm(pdf) == (210, 297)
    assert reads(text, body.name_fa)
    assert reads(text, body.head_name)
    assert reads(text, body.head_post)
    cells = _cell_text(pdf)
    missing = [n for n, question in QUESTIONS.items() if _letters(extracted(question)) not in cells]
    assert not missing, missing
    for phrase in (
        "پرسشنامه سنجش رضایت ارباب رجوع از خدمات",
        "شفافیت فرایندی",
        "کلیت فرایند",
        "خیلی زیاد",
        "خیلی کم",
        "جنسیت",
        "دفعات مراجعه",
    ):
        assert _letters(extracted(phrase)) in cells, phrase

    # Without ?body= it is the clerk's own body; a body outside the clerk's scope is 404.
    assert client.get(reverse("feedback:survey_paper_pdf")).status_code == 200
    assert client.get(reverse("feedback:survey_paper_pdf"), {"body": BodyFactory().pk}).status_code == 404
    client.logout()
    assert client.get(reverse("feedback:survey_paper_pdf")).status_code == 302


# --- admin --------------------------------------------------------------------------------------


def test_an_answered_version_is_read_only_in_the_admin_and_revises_into_an_editable_copy(client):
    admin = staff_user(roles.ADMINISTRATOR).user  # only staff members log in (apps.orgs.backends)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    v1 = Questionnaire.objects.get()
    change = reverse("admin:feedback_questionnaire_change", args=[v1.pk])

    assert 'name="_save"' in client.get(change).content.decode()  # nobody has answered it yet
    survey_response()
    page = client.get(change).content.decode()
    assert 'name="_save"' not in page
    assert 'name="title"' not in page
    revise_url = reverse("admin:feedback_questionnaire_revise", args=[v1.pk])
    assert f'formaction="{revise_url}"' in page
    assert client.post(change, {"title": "عوض شد"}).status_code == 403
    assert client.get(revise_url).status_code == 405

    made = client.post(revise_url)
    v2 = Questionnaire.objects.get(version=2)
    assert made.status_code == 302
    assert made["Location"] == reverse("admin:feedback_questionnaire_change", args=[v2.pk])
    assert 'name="_save"' in client.get(made["Location"]).content.decode()
    assert v2.questions.count() == 16
    assert not v2.active
    v1.refresh_from_db()
    assert v1.title == Questionnaire.objects.get(version=2).title
    assert v1.active

    changelist = reverse("admin:feedback_questionnaire_changelist")
    client.post(changelist, {"action": "activate_selected", "_selected_action": [v2.pk]})
    assert Questionnaire.objects.get(active=True) == v2


def test_the_blank_questions_are_rendered_once_per_version_and_a_changed_question_shows(client):
    sr = answered_request()
    _confirm_national_code(client, sr)
    url = reverse("feedback:survey", args=[sr.tracking_code])

    def rendered_questions(page) -> bool:
        return "feedback/survey_questions.html" in [t.name for t in page.templates]

    first = client.get(url)
    assert rendered_questions(first)
    again = client.get(url)
    assert not rendered_questions(again)  # kept: the same sixteen rows for every citizen
    assert again.content.decode().count('type="radio"') >= 16 * 5

    question = Question.objects.filter(questionnaire__active=True).get(number=3)
    question.text = "آیا کارمند با حوصله پاسخ داد؟"
    question.save()
    changed = client.get(url)
    assert rendered_questions(changed)
    assert "آیا کارمند با حوصله پاسخ داد؟" in changed.content.decode()

    bound = client.post(url, _form_data(q7=""))  # a form with errors is the citizen's own
    assert rendered_questions(bound)


def test_a_citizens_form_is_kept_for_the_request_and_shows_an_answer_at_once(
    client, clerk, django_assert_max_num_queries
):
    """The form a confirmed citizen opens is kept for the request (every visitor who reaches it
    confirmed the same national code): a repeat look reads the request and nothing else, each visitor
    gets their own CSRF token (which the form accepts), and an answer shows at once."""
    from django.test import Client

    sr = answered_request()
    _confirm_national_code(client, sr)
    url = reverse("feedback:survey", args=[sr.tracking_code])
    assert "feedback/survey_form.html" in [t.name for t in client.get(url).templates]
    with django_assert_max_num_queries(0):  # the session alone: it confirmed this request
        again = client.get(url)
    assert again.templates == []
    assert again.content.decode().count('type="radio"') >= 16 * 5

    other = Client()
    _confirm_national_code(other, sr)
    theirs = other.get(url)
    assert theirs.templates == []
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', theirs.content.decode()).group(1)
    assert token != re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode()).group(1)
    other_csrf = Client(enforce_csrf_checks=True)
    other_csrf.cookies = other.cookies
    posted = other_csrf.post(url, {**_form_data(), "csrfmiddlewaretoken": token})
    assert posted.status_code == 302

    done = client.get(url)
    assert "feedback/survey_done.html" in [t.name for t in done.templates]
    assert SurveyResponse.objects.filter(request=sr).count() == 1

    # Not for a stranger, nor a logged-in clerk's own page.
    assert Client().get(url).status_code == 302
    client.force_login(clerk.user)
    assert client.get(url).templates  # rendered by the view
