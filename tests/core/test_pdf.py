"""The PDF renderer: Persian shaped in logical order, Vazirmatn embedded, Persian page furniture,
only local resources, and the HTTP response around it."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation

from apps.core.pdf import ascii_filename, pdf_response, render_pdf
from tests.pdf_utils import pdf_fonts, pdf_info, pdf_page_size_mm, pdf_text

# pdftotext places the spaces of the footer's runs loosely ("صفحه  ۲از ۴"): match the words.
PAGE_OF = re.compile(r"صفحه\s*([۰-۹]+)\s*از\s*([۰-۹]+)")
SENTENCE = "میز خدمت درخواست شما را پذیرفت"
BODY = SimpleNamespace(name_fa="اداره کل راه و شهرسازی استان مازندران", parent=SimpleNamespace(name_fa="وزارت راه و شهرسازی"))


@pytest.fixture
def pdf_template(settings, tmp_path):
    """write(name, source) puts a template where render_pdf finds it."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    def write(name: str, source: str) -> str:
        (tmp_path / name).write_text(source, encoding="utf-8")
        return name

    return write


def test_persian_sentence_comes_out_in_logical_order_with_header_and_page_numbers(pdf_template):
    name = pdf_template("tiny.html", '{% extends "pdf/base.html" %}{% block content %}<p>' + SENTENCE + "</p>{% endblock %}")

    text = pdf_text(render_pdf(name, {"body": BODY}))

    assert SENTENCE in text
    assert BODY.name_fa in text
    assert BODY.parent.name_fa in text
    assert PAGE_OF.search(text).groups() == ("۱", "۱")


def test_vazirmatn_regular_and_bold_are_embedded_and_nothing_falls_back(pdf_template):
    name = pdf_template("fonts.html", '{% extends "pdf/base.html" %}{% block content %}<p>' + SENTENCE + "</p>{% endblock %}")

    fonts = pdf_fonts(render_pdf(name, {"body": BODY}))

    names = {font["name"].split("+")[-1] for font in fonts}
    assert names == {"Vazirmatn", "Vazirmatn-Bold"}
    assert all(font["embedded"] == "yes" for font in fonts)


def test_long_document_numbers_its_pages_in_persian_digits(pdf_template):
    name = pdf_template(
        "long.html",
        '{% extends "pdf/base.html" %}{% block content %}{% for i in rows %}<p>' + SENTENCE + "</p>{% endfor %}{% endblock %}",
    )

    pdf = render_pdf(name, {"body": BODY, "rows": range(120)})

    pages = int(pdf_info(pdf)["Pages"])
    assert pages >= 3
    numbers = [match.groups() for match in PAGE_OF.finditer(pdf_text(pdf))]
    total = "۰۱۲۳۴۵۶۷۸۹"[pages]
    assert numbers == [("۱۲۳۴۵۶۷۸۹"[n], total) for n in range(pages)]


def test_documents_print_in_persian_even_for_a_reader_in_english(pdf_template):
    name = pdf_template("digits.html", '{% extends "pdf/base.html" %}{% block content %}<p>کد {{ n|digits }}</p>{% endblock %}')

    with translation.override("en"):
        text = pdf_text(render_pdf(name, {"body": BODY, "n": 1405}))

    assert "کد ۱۴۰۵" in text


def test_page_size_comes_from_the_template_block(pdf_template):
    name = pdf_template("a5.html", '{% extends "pdf/base.html" %}{% block page_size %}A5{% endblock %}{% block content %}x{% endblock %}')

    assert pdf_page_size_mm(render_pdf(name, {"body": BODY})) == (148, 210)


@pytest.mark.parametrize("folder", ["outside", "media"])
def test_files_outside_the_static_files_are_not_read(pdf_template, settings, tmp_path, folder):
    """Not even under PRIVATE_MEDIA_ROOT: uploads reach a PDF as data: URIs, from the storage."""
    settings.MEDIA_ROOT = tmp_path / "media"  # with S3 configured too: never the project's folder
    place = Path(settings.MEDIA_ROOT) if folder == "media" else tmp_path / folder
    place.mkdir(parents=True, exist_ok=True)
    (place / "leak.css").write_text('body::after { content: "LEAKED"; }', encoding="utf-8")
    name = pdf_template(
        "fetch.html",
        '{% extends "pdf/base.html" %}{% block content %}<link rel="stylesheet" href="{{ css }}">'
        '<img src="http://127.0.0.1:9/x.png" alt="">متن{% endblock %}',
    )

    text = pdf_text(render_pdf(name, {"body": BODY, "css": (place / "leak.css").as_uri()}))

    assert "متن" in text
    assert "LEAKED" not in text


def test_pdf_response_is_inline_or_attachment_with_an_ascii_name():
    inline = pdf_response(b"%PDF-1.7", "service-11040021-brochure.pdf")
    attachment = pdf_response(b"%PDF-1.7", "گواهی ۱۲", inline=False)

    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"] == 'inline; filename="service-11040021-brochure.pdf"'
    assert attachment["Content-Disposition"] == 'attachment; filename="12.pdf"'
    assert "no-store" in inline["Cache-Control"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("a b/c.pdf", "a-b-c.pdf"), ("رسید", "document.pdf"), ('x"; y.PDF', "x---y.pdf"), ("../../etc", "etc.pdf")],
)
def test_ascii_filename_cannot_break_the_header_or_the_path(given, expected):
    assert ascii_filename(given) == expected


def test_each_page_laid_out_is_reported_and_the_renderer_leaves_no_trace(pdf_template):
    """A long document's progress: `on_page` hears of every page as it is laid out. Afterwards the
    garbage collector runs again and WeasyPrint's progress log is quiet and reaches the server log
    as before."""
    import gc
    import logging

    name = pdf_template("pages.html", '{% extends "pdf/base.html" %}{% block content %}'
                       '{% for n in "abc" %}<p style="break-after: page">' + SENTENCE + "</p>{% endfor %}{% endblock %}")
    pages = []
    pdf = render_pdf(name, {"body": BODY}, on_page=pages.append)
    assert pdf_info(pdf)["Pages"] == "3"
    assert pages == [1, 2, 3]
    assert gc.isenabled()
    progress_log = logging.getLogger("weasyprint.progress")
    assert progress_log.handlers == []
    assert progress_log.propagate
    assert progress_log.level == logging.WARNING
