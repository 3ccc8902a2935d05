"""The printed response to a case (apps.cases.pdf): Persian text in logical order, Vazirmatn embedded,
every fact the applicant needs, and for a complaint the open route to the administrative violations board."""

import pytest
from django.utils import timezone

from apps.cases import services
from apps.cases.models import CaseResponse
from apps.cases.pdf import case_response_pdf
from apps.core.jalali import format_date
from apps.core.text import to_persian_digits
from apps.desk.tracking import tracking_code_display
from tests.cases.test_public_views import complaint_tree
from tests.factories import registered_case
from tests.pdf_utils import keep_pdf, pdf_fonts, pdf_text, reads

pytestmark = pytest.mark.django_db

ANSWER = "رفتار مدیرکل بررسی شد و به ایشان تذکر کتبی داده شد"
BOARD = "هیئت رسیدگی به تخلفات اداری"


def _responded(case, outcome=CaseResponse.Outcome.RESOLVED):
    services.case_respond(case=case, by=None, outcome=outcome, text=ANSWER)
    case.refresh_from_db()
    return case


def test_the_response_to_a_complaint_reads_in_persian_with_every_fact_and_the_open_legal_route():
    tree = complaint_tree()
    case = _responded(registered_case(
        case_type="complaint", unit=tree["directorate_unit"], official=tree["director"], channel="online",
    ))
    response = case.responses.get()

    pdf = case_response_pdf(case)
    text = pdf_text(pdf)
    keep_pdf(pdf, "case-response-complaint")

    assert reads(text, to_persian_digits(tracking_code_display(case.tracking_code)))
    assert reads(text, "شکایت")  # the type
    assert reads(text, "سارا محمدی")  # the applicant
    assert reads(text, ANSWER)
    assert reads(text, "رفع مشکل")  # the outcome
    assert reads(text, "دفتر استاندار")  # the answering unit: the governor's office
    assert reads(text, format_date(timezone.localtime(response.at).date(), persian_digits=True))
    assert reads(text, BOARD)
    assert reads(text, "منشور ارتباطات مردمی")  # charter 10-3
    assert any("Vazirmatn" in font["name"] and font["embedded"] == "yes" for font in pdf_fonts(pdf))


def test_the_response_to_another_type_has_no_complaint_sentence():
    case = _responded(registered_case(case_type="consultation"), outcome=CaseResponse.Outcome.ANSWERED)

    text = pdf_text(case_response_pdf(case))

    assert reads(text, ANSWER)
    assert reads(text, "مشاوره")
    assert not reads(text, BOARD)


def test_a_case_without_a_response_has_no_pdf():
    with pytest.raises(ValueError, match="no response"):
        case_response_pdf(registered_case())
