"""The printed annex 2 with the text people actually type: every word stays on the page."""

import re
import subprocess

from apps.audits.models import AuditForm
from apps.audits.views.audit_forms import audit_form_pdf_bytes
from tests.factories import audit_round_opened
from tests.pdf_utils import keep_pdf, pdf_text, reads

ADDRESS = "https://example.ir/" + "a" * 280  # a 300-character address pasted whole
WORD = "ب" * 300  # a note typed without a space


def _words_off_the_page(pdf: bytes) -> list[str]:
    """Words that pdftotext places outside their page's box (a table run off the margin)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"],  # noqa: S607 (poppler-utils, as in tests.pdf_utils)
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    off = []
    for page in re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', html, re.S):
        width = float(page[1])
        for word in re.finditer(
            r'<word xMin="(-?[\d.]+)" yMin="[^"]+" xMax="(-?[\d.]+)"[^>]*>([^<]*)<', page[2]
        ):
            if float(word[1]) < 0 or float(word[2]) > width:
                off.append(word[3][:20])
    return off


def test_long_unbroken_words_wrap_inside_the_tables_of_the_printed_form(audit_org):
    audit_round_opened()
    form = AuditForm.objects.get(unit=audit_org.unit)
    form.rows.filter(code="IN1").update(reason_note=WORD, website_url=ADDRESS, offered_url=ADDRESS)
    form.rows.filter(code="EL1").update(page_url=ADDRESS, edesk_correction=WORD, informing_correction=WORD)
    form.rows.filter(code="IN2").update(desk_correction=WORD)
    form.space_items.filter(item=1).update(body_note=WORD, evaluator_note=WORD)
    AuditForm.objects.filter(pk=form.pk).update(improvement_points=WORD)
    form = AuditForm.objects.prefetch_related("rows", "space_items").get(pk=form.pk)

    pdf = audit_form_pdf_bytes(form)

    keep_pdf(pdf, "audit-form-long-words")
    assert _words_off_the_page(pdf) == []
    text = pdf_text(pdf)
    for title in ("صدور گواهی پایان کار ساختمان", "استعلام وضعیت پرونده مسکن"):
        assert reads(text, title)
