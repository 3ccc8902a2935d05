"""The web fonts: the committed Vazirmatn subsets are what scripts/font_subset.py makes, portal.css
declares the same unicode-range, Persian shaping survives the cut, and no character of the portal's
own text that the full font draws was cut away. (The PDFs use the full TTFs: tests/core/test_pdf.py.)"""

import importlib.util
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "static" / "fonts"


def _script():
    spec = importlib.util.spec_from_file_location("font_subset", ROOT / "scripts" / "font_subset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


font_subset = _script()


def _portal_text() -> set[str]:
    """Every character of the Persian catalogue's translations and of the page templates."""
    po = (ROOT / "locale" / "fa" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    text = "".join(re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', po, flags=re.MULTILINE))
    for template in (ROOT / "templates").rglob("*.html"):
        if "pdf" not in template.parts:
            text += template.read_text(encoding="utf-8")
    return set(text)


@pytest.mark.parametrize("weight", font_subset.WEIGHTS)
def test_subset_keeps_exactly_the_declared_ranges_of_the_full_font(weight):
    full = set(TTFont(FONTS / f"Vazirmatn-{weight}.ttf").getBestCmap())
    subset = set(TTFont(FONTS / f"Vazirmatn-{weight}-subset.woff2").getBestCmap())

    assert subset == full & font_subset.code_points()
    assert {ord(c) for c in "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی۰۱۲۳۴۵۶۷۸۹،؛؟«»\u200c"} <= subset


@pytest.mark.parametrize("weight", font_subset.WEIGHTS)
def test_subset_keeps_the_shaping_of_persian(weight):
    font = TTFont(FONTS / f"Vazirmatn-{weight}-subset.woff2")
    gsub = {record.FeatureTag for record in font["GSUB"].table.FeatureList.FeatureRecord}
    gpos = {record.FeatureTag for record in font["GPOS"].table.FeatureList.FeatureRecord}

    assert {"init", "medi", "fina", "rlig", "calt", "liga", "ccmp"} <= gsub
    assert {"mark", "mkmk", "kern"} <= gpos
    # The joined forms are in the file, not only the isolated letters: far more glyphs than code points.
    assert len(font.getGlyphOrder()) > 2 * len(font.getBestCmap())


@pytest.mark.parametrize("weight", font_subset.WEIGHTS)
def test_subset_is_light_and_keeps_its_licence(weight):
    path = FONTS / f"Vazirmatn-{weight}-subset.woff2"
    names = {record.nameID: record.toUnicode() for record in TTFont(path)["name"].names}

    assert path.stat().st_size < 21_000
    assert "SIL Open Font License" in names[13]
    assert (FONTS / "Vazirmatn-OFL.txt").exists()


def test_stylesheet_declares_the_subsets_with_the_scripts_unicode_range():
    css = (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face \{(.*?)\}", css, flags=re.DOTALL)

    assert len(faces) == 2
    for face, weight in zip(faces, font_subset.WEIGHTS, strict=True):
        assert f"Vazirmatn-{weight}-subset.woff2" in face
        assert "font-display: swap" in face
        declared = re.search(r"unicode-range: ([^;]+);", face).group(1)
        assert " ".join(declared.split()) == font_subset.unicode_range_css()


def test_every_character_of_the_portals_text_that_vazirmatn_has_is_kept():
    full = set(TTFont(FONTS / "Vazirmatn-Regular.ttf").getBestCmap())
    kept = font_subset.code_points()
    dropped = sorted(c for c in _portal_text() if ord(c) in full and ord(c) not in kept and c.isprintable())

    assert not dropped, f"characters the portal shows but the subsets lost: {dropped}"
