"""Reading PDFs in tests with poppler-utils: text (pdftotext), metadata (pdfinfo), fonts (pdffonts)
and pages as PNG (pdftoppm) for a person to look at."""

import re
import subprocess
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "pdf"

# pdftotext wraps right-to-left runs in embedding/override marks; they are not part of the text.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


def _poppler(tool: str, pdf_bytes: bytes, *args: str) -> str:
    done = subprocess.run([tool, *args], input=pdf_bytes, capture_output=True, check=True, timeout=60)  # noqa: S603
    return done.stdout.decode()


# pdftotext reverses right-to-left runs glyph by glyph, so the two letters behind one ligature glyph
# come out swapped: the PDF maps the lam-alef glyph to «لا» (checked in its ToUnicode map), yet
# «خلافی» is extracted as «خالفی». Copying from a PDF viewer gives the right text.
_DROPPED = str.maketrans({"\u200c": None})
_LAM_ALEF = {"لا": "ال", "لأ": "أل", "لإ": "إل", "لآ": "آل"}


def pdf_text(pdf_bytes: bytes) -> str:
    """The text of the PDF in logical order, without bidi marks. Compare it with `extracted(…)` of
    what you expect: pdftotext drops the zero-width non-joiner and swaps lam-alef ligatures."""
    return _poppler("pdftotext", pdf_bytes, "-layout", "-", "-").translate(_BIDI_MARKS)


def extracted(text: str) -> str:
    """`text` as pdftotext reads it back from a PDF (see _LAM_ALEF); avoid diacritics (ً ٔ) too."""
    text = text.translate(_DROPPED)
    for ligature, as_read in _LAM_ALEF.items():
        text = text.replace(ligature, as_read)
    return text


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reads(text: str, phrase: str) -> bool:
    """Whether pdf_text output contains `phrase`, read as pdftotext reads it (see `extracted`) and
    ignoring whitespace, which pdftotext moves to the wrong side of numbers in right-to-left lines."""
    return squash(extracted(phrase)) in squash(text)


def pdf_info(pdf_bytes: bytes) -> dict[str, str]:
    """pdfinfo's fields: {"Pages": "2", "Page size": "595.276 x 841.89 pts (A4)", …}."""
    lines = _poppler("pdfinfo", pdf_bytes, "-").splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_page_size_mm(pdf_bytes: bytes) -> tuple[int, int]:
    """Width and height of the first page in whole millimetres."""
    match = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(pdf_bytes)["Page size"])
    return round(float(match[1]) * 25.4 / 72), round(float(match[2]) * 25.4 / 72)


def pdf_fonts(pdf_bytes: bytes) -> list[dict[str, str]]:
    """The fonts of the PDF: [{"name": "ABCDEF+Vazirmatn", "embedded": "yes"}, …]."""
    rows = _poppler("pdffonts", pdf_bytes, "-").splitlines()[2:]
    fonts = []
    for row in rows:
        # Columns: name, type (may contain spaces), encoding, emb, sub, uni, object, generation.
        parts = row.split()
        fonts.append({"name": parts[0], "embedded": parts[-5]})
    return fonts


def pdf_pages_png(pdf_bytes: bytes, out_prefix: str | Path, *, dpi: int = 60) -> list[Path]:
    """Write each page as <out_prefix>-<n>.png (to open and look at) and return the paths."""
    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    for old in out_prefix.parent.glob(f"{out_prefix.name}-*.png"):
        old.unlink()
    _poppler("pdftoppm", pdf_bytes, "-r", str(dpi), "-png", "-", str(out_prefix))
    return sorted(out_prefix.parent.glob(f"{out_prefix.name}-*.png"))


def keep_pdf(pdf_bytes: bytes, name: str) -> list[Path]:
    """Save a PDF and its pages as PNG under test-artifacts/pdf/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf_bytes)
    return pdf_pages_png(pdf_bytes, ARTIFACTS / name)
