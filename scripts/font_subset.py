#!/usr/bin/env python3
"""Regenerates the web fonts, static/fonts/Vazirmatn-{Regular,Bold}-subset.woff2, from the full
Vazirmatn TTFs beside them (which stay whole: WeasyPrint draws the PDFs with them).

    .venv/bin/python scripts/font_subset.py          # writes the two woff2 files, prints their sizes

The full fonts cover extended Latin, the whole Arabic block (Urdu, Kurdish, Pashto letters) and the
presentation forms in about 50 KB per weight as woff2; a portal page needs Persian, basic Latin and a little punctuation. The subsets keep exactly
UNICODE_RANGES below, and portal.css declares the same ranges in each @font-face `unicode-range`, so
a character outside them (an Urdu or Kurdish letter, a symbol) is drawn by the next font in the
stack without the browser fetching anything. tests/core/test_fonts.py checks the files, the CSS and
the portal's own Persian text against this list.

The layout features Persian needs are kept: contextual forms and ligatures (ccmp, locl, init, medi,
fina, rlig, calt, liga), mark placement (mark, mkmk), kerning, and tabular figures for tracking codes
(tnum). Hinting is dropped (phones and current browsers ignore it). The copyright and licence names
stay in the files; the licence is static/fonts/Vazirmatn-OFL.txt (SIL OFL 1.1, no reserved name).
"""

import sys
from pathlib import Path

from fontTools import subset

FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"
WEIGHTS = ("Regular", "Bold")

# (first, last, what) — the code points the subsets keep, and portal.css's unicode-range.
UNICODE_RANGES = [
    (0x0020, 0x007E, "Basic Latin: English, codes such as G2C, URLs, Latin digits"),
    (0x00A0, 0x00A0, "no-break space"),
    (0x00A7, 0x00A7, "§, article numbers of the legal basis"),
    (0x00A9, 0x00A9, "©"),
    (0x00AB, 0x00AB, "« Persian quotation mark"),
    (0x00B7, 0x00B7, "· separator in lists of facts"),
    (0x00BB, 0x00BB, "» Persian quotation mark"),
    (0x00D7, 0x00D7, "×"),
    (0x060C, 0x060C, "، Arabic comma"),
    (0x061B, 0x061B, "؛ Arabic semicolon"),
    (0x061F, 0x061F, "؟ Arabic question mark"),
    (0x0621, 0x063A, "hamza … ghain: the Arabic letters of Persian, with ة أ إ ؤ ئ"),
    (0x0640, 0x0655, "tatweel, fa … yeh (Arabic-keyboard ك ي ى), short vowels, shadda, hamza marks"),
    (0x0660, 0x066D, "Arabic-Indic digits (Arabic keyboards), ٪ ٫ ٬"),
    (0x0670, 0x0670, "superscript alef"),
    (0x067E, 0x067E, "پ"),
    (0x0686, 0x0686, "چ"),
    (0x0698, 0x0698, "ژ"),
    (0x06A9, 0x06A9, "ک"),
    (0x06AF, 0x06AF, "گ"),
    (0x06C0, 0x06C0, "ۀ"),
    (0x06CC, 0x06CC, "ی"),
    (0x06F0, 0x06F9, "Persian digits"),
    (0x200C, 0x200F, "ZWNJ (نیم‌فاصله), ZWJ, LRM, RLM"),
    (0x2013, 0x2014, "en and em dash"),
    (0x2018, 0x201D, "quotation marks"),
    (0x2022, 0x2022, "bullet"),
    (0x2026, 0x2026, "ellipsis"),
    (0x202A, 0x202E, "bidi embeddings and overrides"),
    (0x2039, 0x203A, "‹ › in breadcrumbs"),
    (0x2212, 0x2212, "minus sign"),
]

# Joining forms, ligatures and vowel marks; then kerning and tabular figures (tracking codes).
SHAPING = ["ccmp", "locl", "init", "medi", "fina", "rlig", "calt", "liga", "mark", "mkmk"]
LAYOUT_FEATURES = [*SHAPING, "kern", "tnum"]


def unicode_range_css() -> str:
    """The ranges as a CSS `unicode-range` value."""
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b, _what in UNICODE_RANGES)


def code_points() -> set[int]:
    return {cp for a, b, _what in UNICODE_RANGES for cp in range(a, b + 1)}


def subset_font(weight: str) -> Path:
    """Writes Vazirmatn-<weight>-subset.woff2 from Vazirmatn-<weight>.ttf and returns its path."""
    source = FONTS / f"Vazirmatn-{weight}.ttf"
    target = FONTS / f"Vazirmatn-{weight}-subset.woff2"
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = LAYOUT_FEATURES
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, copyright and licence
    options.recalc_timestamp = False  # the same input gives the same bytes
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(code_points()))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)
    return target


def main() -> int:
    for weight in WEIGHTS:
        target = subset_font(weight)
        full = FONTS / f"Vazirmatn-{weight}.ttf"
        print(
            f"{target.relative_to(FONTS.parents[1])}: {target.stat().st_size:,} bytes (TTF {full.stat().st_size:,})"
        )
    print(f"unicode-range: {unicode_range_css()};")
    return 0


if __name__ == "__main__":
    sys.exit(main())
