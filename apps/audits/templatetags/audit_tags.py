"""Display helpers of the audit pages and PDF: ratios as percentages, index figures, yes/no marks."""

from django import template
from django.utils.translation import get_language

from apps.core.jalali import _localize_digits

register = template.Library()


def _percent_sign() -> str:
    return "٪" if (get_language() or "fa").startswith("fa") else "%"


@register.filter
def percent(value):
    """0.4 → ۴۰٪ (a ratio shown as a whole percentage); None → —."""
    if value is None or value == "":
        return "—"
    return _localize_digits(f"{round(float(value) * 100)}", None) + _percent_sign()


@register.filter
def pct(value):
    """40 → ۴۰٪ (a value that already is a percentage); None → —."""
    if value is None or value == "":
        return "—"
    return _localize_digits(str(value), None) + _percent_sign()


@register.filter
def index(value):
    """An index on 0–100 with one decimal: 72.5 → ۷۲٫۵; None → —."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.1f}".removesuffix(".0")
    if (get_language() or "fa").startswith("fa"):
        text = text.replace(".", "٫")
    return _localize_digits(text, None)


@register.filter
def ratio(value):
    """0.4 → ۰٫۴۰ (two decimals, as the annex asks for a ratio); None → —."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.2f}"
    if (get_language() or "fa").startswith("fa"):
        text = text.replace(".", "٫")
    return _localize_digits(text, None)


@register.filter
def electronic_share(form):
    """(c + d) / a of a form from the list's SQL counts (apps.audits.selectors.audit_form_list)."""
    total = getattr(form, "services_count", 0)
    if not total:
        return None
    return (form.electronic_count + form.hybrid_count) / total


@register.filter
def bound_field(form, name):
    """form[name] when the form has that field, else None: {{ r.ev|bound_field:"desk_correction" }}."""
    if form is None or name not in getattr(form, "fields", {}):
        return None
    return form[name]


@register.filter
def value_of(obj, name):
    """getattr(obj, name) for a field named in a variable."""
    return getattr(obj, name, None)


@register.filter
def any_text(items, name):
    """Whether any row (RowView) of `items` has text in its field `name`."""
    return any(getattr(item.row, name, "") for item in items or [])
