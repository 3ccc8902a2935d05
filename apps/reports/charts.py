"""Server-side SVG for the report charts, the same markup on screen and in the PDF.

WeasyPrint draws SVG shapes well but not Persian text inside SVG (letters come out unjoined and in
the wrong order), so a chart is an HTML table whose labels and values are HTML text and whose bars
are small inline SVGs. Bars start at the right edge: the pages read right to left. Only presentation
attributes are used (no style attribute), which the Content-Security-Policy allows.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

TRACK = "#e6ebf0"
PALETTE = ("#1f6f8b", "#e0a030", "#4f9a62", "#8a6bb5", "#c0504d", "#5b8fc7")
# The four channels of annex 2 §1, in the order of the annex: in person, electronic, both, outside.
CHANNEL_COLORS = {"in_person": "#e0a030", "electronic": "#4f9a62", "hybrid": "#1f6f8b", "outside": "#8a6bb5"}


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def hbar(
    value: float | None, maximum: float = 100, *, color: str = PALETTE[0], label: str = ""
) -> SafeString:
    """One horizontal bar on a 100 × 10 canvas stretched to the cell, growing from the right."""
    share = 0.0 if value is None or not maximum else max(0.0, min(1.0, float(value) / float(maximum)))
    width = 100 * share
    return format_html(
        '<svg class="rp-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<rect x="0" y="0" width="100" height="10" fill="{}"/>'
        '<rect x="{}" y="0" width="{}" height="10" fill="{}"/></svg>',
        label,
        TRACK,
        _num(100 - width),
        _num(width),
        color,
    )


def stacked(segments: list[tuple[str, float]], *, label: str = "") -> SafeString:
    """One bar split into (color, value) segments in proportion, the first at the right."""
    total = sum(value for _color, value in segments if value)
    x = 100.0
    rects = []
    for color, value in segments:
        if not value or not total:
            continue
        width = 100 * value / total
        x -= width
        rects.append((_num(max(x, 0)), _num(width), color))
    return format_html(
        '<svg class="rp-stack" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="100" height="10" fill="{}"/>{}</svg>',
        label,
        TRACK,
        format_html_join("", '<rect x="{}" y="0" width="{}" height="10" fill="{}"/>', rects),
    )


def swatch(color: str) -> SafeString:
    """A small square of a legend."""
    return format_html(
        '<svg class="rp-swatch" viewBox="0 0 10 10" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
        '<rect width="10" height="10" rx="2" fill="{}"/></svg>',
        color,
    )


def channel_segments(channels: dict) -> list[dict]:
    """The four channels with their count, share and colour, for the stacked bar and its legend."""
    return [
        {"key": key, "count": channels[key], "share": channels[f"{key}_share"], "color": color}
        for key, color in CHANNEL_COLORS.items()
    ]
