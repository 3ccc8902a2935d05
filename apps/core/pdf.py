"""The one PDF renderer: a Django template under templates/pdf/ → HTML → WeasyPrint → PDF bytes.

Every printed document (brochure, workflow table, signs, receipts, QR cards, reports) goes through
`render_pdf`, so fonts, page furniture, digits and the resource policy are decided here once.

WeasyPrint is imported on first use: importing it takes seconds (it parses its user-agent
stylesheets), which every `manage.py` command and test run would otherwise pay.
"""

import gc
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from apps.core.text import normalize_digits

logger = logging.getLogger(__name__)

# WeasyPrint logs every layout step at INFO; with the root logger at INFO that is a dozen lines per
# printed page in the server log.
_progress_logger = logging.getLogger("weasyprint.progress")
_progress_logger.setLevel(logging.WARNING)

# The font every template references relatively ("fonts/…"), used to locate the static folder.
FONT = "fonts/Vazirmatn-Regular.ttf"

# Fontconfig and Pango keep process-wide state that is not safe to drive from two threads at once;
# a threaded worker renders one PDF at a time rather than risk a crash.
_render_lock = threading.Lock()


@cache
def static_root() -> Path:
    """The folder the PDF templates' relative URLs resolve against (source static/ or STATIC_ROOT)."""
    found = finders.find(FONT)
    if found:
        return Path(found).resolve().parent.parent
    for candidate in (Path(settings.BASE_DIR) / "static", Path(settings.STATIC_ROOT)):
        if (candidate / FONT).exists():
            return candidate.resolve()
    raise FileNotFoundError(f"{FONT} is not in any static folder")


@cache
def _font_config():
    # Building it scans the system fonts, and each @font-face file is copied and registered with
    # Fontconfig on first use: one instance per process makes that a one-off instead of per render.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetch only the portal's static files (fonts, CSS) and data: URIs.

        Templates print text people typed (e-service URLs, addresses); nothing in a PDF may make
        the server open a network connection or read any other file. Uploads and pictures reach a
        PDF as data: URIs: they live in the storage (a bucket on several nodes), not at a path.
        """

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, timeout=5)
            self._root = static_root()

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                local = Path(url2pathname(urlsplit(url).path)).resolve()
                if not local.is_relative_to(self._root):
                    raise ValueError(f"PDF resource outside the static files: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


class _PagesLaidOut(logging.Handler):
    """Passes WeasyPrint's "Step 5 - Creating layout - Page N" to a callback, for a progress bar."""

    def __init__(self, on_page: Callable[[int], None]) -> None:
        super().__init__(logging.INFO)
        self.on_page = on_page

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("Step 5") and record.args:
            self.on_page(record.args[0])


def render_pdf(
    template_name: str, context: dict, *, request=None, on_page: Callable[[int], None] | None = None
) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes, always in Persian (labels, digits, dates).
    `on_page(n)` is called as each page is laid out (the longer part of a large document's render)."""
    from weasyprint import HTML

    # Printed documents are official Persian forms whatever language the reader's screen is in.
    with translation.override("fa"):
        html = render_to_string(template_name, context, request=request)
    started = time.perf_counter()
    pages = _PagesLaidOut(on_page) if on_page else None
    with _render_lock:
        if pages:
            _progress_logger.addHandler(pages)
            _progress_logger.setLevel(logging.INFO)
            _progress_logger.propagate = False  # to the callback only, not the server log
        # A render builds a box for every element and line and drops them all at the end: the cyclic
        # collector, run meanwhile, walks that growing heap again and again for nothing (a fifth of a
        # thousand-card sheet's time). Reference counting still frees what it can.
        gc.disable()
        try:
            document = HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=_fetcher_class()())
            pdf = document.write_pdf(font_config=_font_config())
        finally:
            gc.enable()
            if pages:
                _progress_logger.removeHandler(pages)
                _progress_logger.setLevel(logging.WARNING)
                _progress_logger.propagate = True
    logger.debug("rendered %s in %.0f ms", template_name, (time.perf_counter() - started) * 1000)
    return pdf


def warm_up() -> None:
    """Load WeasyPrint's text engine and the portal's fonts once (about a second, paid otherwise by the
    first document a process prints): gunicorn's master calls it before forking (config/wsgi.py)."""
    render_pdf("pdf/base.html", {})


def ascii_filename(filename: str) -> str:
    """A download name every browser keeps as is: ASCII letters, digits, dot, dash, underscore."""
    name = unicodedata.normalize("NFKD", normalize_digits(filename)).encode("ascii", "ignore").decode()
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in name).strip("-.")
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem or 'document'}.pdf"


def pdf_response(pdf_bytes: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying a PDF, shown in the browser (inline) or downloaded (attachment)."""
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    # An ASCII name rather than RFC 5987 filename*: office browsers and print spoolers disagree on it.
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{ascii_filename(filename)}"'
    # Printables are rendered from live data and may carry names: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response
