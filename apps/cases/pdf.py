"""The printed response to a case: rendered by the one PDF renderer (apps.core.pdf) in Persian."""

from apps.cases.models import Case, CaseType
from apps.core.pdf import render_pdf


def case_response_pdf(case: Case) -> bytes:
    """The applicant's copy of the last response to a case; a complaint's copy says that the
    administrative violations board remains open (charter 10-3). The case must have a response."""
    response = case.responses.select_related("unit", "unit__body", "unit__body__parent").order_by("-at", "-id").first()
    if response is None:
        raise ValueError(f"case {case.tracking_code} has no response")
    return render_pdf(
        "pdf/case_response.html",
        {
            "case": case,
            "response": response,
            "body": response.unit.body,
            "is_complaint": case.type == CaseType.COMPLAINT,
        },
    )
