"""Form plumbing shared by every app: typed input is normalised once, here, before any field sees it.

Persian keyboards, Arabic keyboards and text pasted from letters and spreadsheets all reach the
server; without this a national code in Persian digits or a name spelt with Arabic yeh would be
stored as a different value from the one the next search types.

Two stored forms (apps.core.text): free text — a plain text field in a right-to-left box, the page's
own direction — keeps the digits the person typed (`normalize_free_text`); everything else — codes,
numbers, dates, addresses and anything typed in a left-to-right box (`NumericInput`, URL fields, an
IBAN) — gets ASCII digits (`normalize_text`). Excel imports follow the same rule.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import to_current_timezone
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core import jalali, validators
from apps.core.text import ltr, normalize_free_text, normalize_text


def _normalize_value(value, normalize=normalize_text):
    return normalize(value) if isinstance(value, str) else value


def is_free_text(field: forms.Field) -> bool:
    """Whether a form field holds free text: a plain CharField typed right to left. Subclasses
    (URL, e-mail, identifiers) and left-to-right, hidden or password boxes hold codes or secrets."""
    widget = field.widget
    return (
        type(field) is forms.CharField
        and not isinstance(widget, forms.PasswordInput | forms.HiddenInput)
        and widget.attrs.get("dir") != "ltr"
    )


class NormalizedFormMixin:
    """Passes every submitted string through `normalize_text` (free text through
    `normalize_free_text`) before field cleaning.

    Password fields are left as typed (a password is a secret, not text to tidy) and uploaded
    files live in `self.files`, which is never touched.
    """

    def full_clean(self):
        # Done here rather than in __init__ so that fields added by a subclass after
        # super().__init__() are seen, and the password exemption covers them too.
        if self.is_bound and not getattr(self, "_data_normalized", False):
            self.data = self._normalized_data(self.data)
            self._data_normalized = True
        super().full_clean()

    def _raw_names(self) -> set[str]:
        names = set()
        for name, field in self.fields.items():
            widget = field.widget
            html_name = self.add_prefix(name)
            if isinstance(widget, forms.PasswordInput):
                names.add(html_name)
            elif isinstance(widget, forms.MultiWidget):
                names.update(
                    html_name + suffix
                    for suffix, sub in zip(widget.widgets_names, widget.widgets, strict=True)
                    if isinstance(sub, forms.PasswordInput)
                )
        return names

    def _free_text_names(self) -> set[str]:
        return {self.add_prefix(name) for name, field in self.fields.items() if is_free_text(field)}

    def _normalized_data(self, data):
        raw = self._raw_names()
        free = self._free_text_names()

        def normalize(key):
            return normalize_free_text if key in free else normalize_text

        if hasattr(data, "setlist"):
            # QueryDict / MultiValueDict: keep every value of a multi-valued key; copy() also
            # leaves request.POST itself untouched.
            normalized = data.copy()
            for key, values in data.lists():
                if key not in raw:
                    normalized.setlist(key, [_normalize_value(v, normalize(key)) for v in values])
            return normalized
        normalized = {}
        for key, value in data.items():
            if key in raw:
                normalized[key] = value
            elif isinstance(value, list | tuple):
                normalized[key] = type(value)(_normalize_value(v, normalize(key)) for v in value)
            else:
                normalized[key] = _normalize_value(value, normalize(key))
        return normalized


class PortalForm(NormalizedFormMixin, forms.Form):
    """Base for every portal form that is not tied to a model."""


class PortalModelForm(NormalizedFormMixin, forms.ModelForm):
    """Base for every portal model form."""


class NumericInput(forms.TextInput):
    """A text box for digit strings: numeric keypad on phones, left to right inside RTL pages.

    Not `type="number"`: that drops leading zeros, shows spinners and refuses Persian digits.
    """

    default_attrs = {"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}

    def __init__(self, attrs=None):
        super().__init__({**self.default_attrs, **(attrs or {})})


class MobileInput(NumericInput):
    input_type = "tel"
    # "tel" rather than "numeric" so that + is on the keypad; autofill is welcome for a phone.
    default_attrs = {"inputmode": "tel", "dir": "ltr", "autocomplete": "tel"}


class JalaliDateInput(NumericInput):
    default_attrs = {**NumericInput.default_attrs, "placeholder": "1405/09/01"}


class JalaliDateField(forms.Field):
    """A date typed and shown in the Jalali calendar, cleaned to a Gregorian `datetime.date`."""

    widget = JalaliDateInput
    default_error_messages = {"invalid": _("Enter a valid Jalali date such as 1405/09/01.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return jalali.parse_date(normalize_text(str(value)))
        except (ValueError, OverflowError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        """Initial values are Gregorian dates; bound values are what was typed. Both are shown
        as Jalali in the page's digits, and unparseable input is given back as typed."""
        if isinstance(value, dt.date):
            return jalali.format_date(value)
        if isinstance(value, str) and value.strip():
            try:
                return jalali.format_date(jalali.parse_date(value))
            except (ValueError, OverflowError):
                return value
        return value


class JalaliSplitDateTimeMixin:
    """A split date-time widget whose date box shows the Jalali date (the time box is unchanged)."""

    def decompress(self, value):
        if value:
            value = to_current_timezone(value)
            return [jalali.format_date(value.date()), value.time()]
        return [None, None]


class JalaliSplitDateTimeWidget(JalaliSplitDateTimeMixin, forms.SplitDateTimeWidget):
    pass


class JalaliSplitHiddenDateTimeWidget(JalaliSplitDateTimeMixin, forms.SplitHiddenDateTimeWidget):
    pass


class JalaliSplitDateTimeField(forms.SplitDateTimeField):
    """A date-time typed as a Jalali date and a time, cleaned to an aware datetime in Tehran time."""

    widget = JalaliSplitDateTimeWidget
    hidden_widget = JalaliSplitHiddenDateTimeWidget

    def __init__(self, **kwargs):
        kwargs.pop("input_date_formats", None)
        super().__init__(**kwargs)
        gregorian = self.fields[0]
        date = JalaliDateField(error_messages={"incomplete": gregorian.error_messages["incomplete"]})
        date.required, date.disabled = gregorian.required, gregorian.disabled
        self.fields = (date, self.fields[1])


class _IdentifierField(forms.CharField):
    """A CharField whose value is replaced by the stored form from `apps.core.validators`."""

    widget = NumericInput

    def __init__(self, *args, **kwargs):
        # Room for what people type around the digits (spaces, dashes, +98); the stored form is shorter.
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    @staticmethod
    def normalize(value: str) -> str:
        raise NotImplementedError

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return self.normalize(value)


class NationalCodeField(_IdentifierField):
    """A person's 10-digit national code (کد ملی)."""

    normalize = staticmethod(validators.normalize_national_code)


class LegalIdField(_IdentifierField):
    """A legal entity's 11-digit national ID (شناسه ملی)."""

    normalize = staticmethod(validators.normalize_legal_id)


class MobileField(_IdentifierField):
    """An Iranian mobile number, stored as 09XXXXXXXXX."""

    widget = MobileInput
    normalize = staticmethod(validators.normalize_mobile)


# --- Jalali periods ------------------------------------------------------------------------------

PERIOD_YEARS = 2  # the period list offers the periods of the current and the previous Jalali year
PERIOD_GROUPS = {"Q": _("Quarters"), "B": _("Bimonths"), "H": _("Half years"), "Y": _("Years")}


def _period_examples(letters: str) -> str:
    """ "⁦1405-Q2⁩, ⁦1405-B3⁩" — example codes, each isolated so right-to-left text keeps it whole."""
    today = jalali.Period.containing(timezone.localdate(), "Y").year
    return "، ".join(ltr(str(jalali.Period(today, letter, 1))) for letter in letters)


def period_error(letters: str = "QBH"):
    """The message for text that names no period: choose from the list, or type a code."""
    return _("Choose the period from the list, or type its code such as %(examples)s (either way round).") % {
        "examples": _period_examples(letters)
    }


def _as_period(value) -> "jalali.Period | None":
    if isinstance(value, jalali.Period):
        return value
    try:
        return jalali.Period.parse(value) if value else None
    except ValueError:
        return None


class PeriodWidget(forms.MultiWidget):
    """A select of the recent periods in words and, beside it, a box for a period typed by hand
    (a code either way round, or a period's name). The select keeps the field's name, so a link
    with ?period=1405-B3 fills it; the box is sent as <name>_code and wins when filled."""

    def __init__(self, *, letters: str = "QBH", blank: str = "", attrs=None):
        self.letters, self.blank = letters, blank
        code = forms.TextInput(
            attrs={
                "dir": "ltr",
                "maxlength": "20",
                "size": "10",
                "autocomplete": "off",
                "class": "period-code",
            }
        )
        super().__init__({"": forms.Select(attrs={"class": "period-select"}), "code": code}, attrs)

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""

    def value_from_datadict(self, data, files, name):
        typed = (data.get(f"{name}_code") or "").strip()
        return typed or data.get(name) or ""

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_code" not in data

    def decompress(self, value):
        period = _as_period(value)
        if period:
            return [str(period), ""]
        return ["", value or ""]

    def options(self, chosen: "jalali.Period | None") -> list:
        """The periods of these kinds that have begun in the current and the previous Jalali year,
        newest first, grouped by kind; a chosen period outside them is added to its group."""
        today = timezone.localdate()
        year = jalali.Period.containing(today, "Y").year
        groups = []
        for letter in self.letters:
            periods = [
                p
                for y in range(year, year - PERIOD_YEARS, -1)
                for p in reversed(jalali.Period.of_year(y, letter))
                if p.start <= today
            ]
            if chosen and chosen.kind == letter and chosen not in periods:
                periods.insert(0, chosen)
            groups.append((str(PERIOD_GROUPS[letter]), [(str(p), p.label()) for p in periods]))
        if chosen and chosen.kind not in self.letters:
            groups.append((str(PERIOD_GROUPS[chosen.kind]), [(str(chosen), chosen.label())]))
        blank = [("", self.blank)] if self.blank else []
        return blank + (groups if len(groups) > 1 else groups[0][1])

    def get_context(self, name, value, attrs):
        values = value if isinstance(value, list | tuple) else self.decompress(value)
        select, code = self.widgets
        select.choices = self.options(_as_period(values[0]))
        code.attrs["placeholder"] = str(jalali.Period.containing(timezone.localdate(), self.letters[0]))
        code.attrs["aria-label"] = _("or type the period's code")
        context = super().get_context(name, values, attrs)
        # The field's `required` is met by the select; the box is for typing instead.
        context["widget"]["subwidgets"][1]["attrs"].pop("required", None)
        return context


class PeriodField(forms.Field):
    """A Jalali period (apps.core.jalali.Period), chosen from a list of recent periods in words or
    typed: "1405-B3", "B3-1405" (as right-to-left text shows it), Persian digits, or a period's name."""

    widget = PeriodWidget
    MAX_LENGTH = 40  # the longest name: «فروردین–اردیبهشت ۱۴۰۵», with room for spaces

    def __init__(self, *, letters: str = "QBH", blank: str = "", **kwargs):
        self.letters = letters
        kwargs.setdefault("widget", PeriodWidget(letters=letters, blank=blank))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, jalali.Period):
            return value
        value = str(value or "").strip()
        if not value:
            return None
        try:
            if len(value) > self.MAX_LENGTH:
                raise ValueError(value)
            return jalali.Period.parse(value)
        except ValueError:
            raise ValidationError(period_error(self.letters), code="invalid") from None

    def prepare_value(self, value):
        return str(value) if isinstance(value, jalali.Period) else value
