"""Forms of the report pages: the on-demand request, the list filters and the annex 3 period."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import PortalForm
from apps.core.jalali import Period
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import KIND_PERIOD, KIND_SCOPES, ReportError, last_finished, report_check

PERIOD_HELP = _("A Jalali period: 1405-Q2 for a quarter, 1405-B3 for a bimonth, 1405-H1 for a half year.")


def default_period(letter: str, today: dt.date | None = None) -> str:
    return str(last_finished(letter, today or timezone.localdate()))


class PeriodField(forms.CharField):
    """A Jalali period typed as 1405-Q2 (Persian digits and lower case welcome)."""

    def __init__(self, *args, letter: str | None = None, **kwargs):
        kwargs.setdefault("max_length", 20)
        self.letter = letter
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(*args, **kwargs)
        # max_length bounds the typed text in to_python; its validator would run on the parsed Period.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.widget.attrs.update(
            {
                "maxlength": "10",
                "dir": "ltr",
                "placeholder": "1405-Q2" if letter is None else f"1405-{letter}3",
            }
        )

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if len(value) > self.max_length:
            raise ValidationError(_("Write the period like 1405-Q2, 1405-B3 or 1405-H1."))
        try:
            period = Period.parse(value)
        except ValueError as exc:
            raise ValidationError(_("Write the period like 1405-Q2, 1405-B3 or 1405-H1.")) from exc
        if self.letter and period.kind != self.letter:
            raise ValidationError(_("Annex 3 tables are bimonthly: write the period like 1405-B3."))
        return period


class ReportRequestForm(PortalForm):
    """Ask for a report now: kind, period and one of the scopes the user may read."""

    kind = forms.ChoiceField(label=_("Report"))
    period = PeriodField(label=_("Period"))
    scope = forms.ChoiceField(label=_("Scope"))

    def __init__(self, *args, scopes: list[tuple[Scope, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.key: scope for scope, _name in scopes}
        levels = {scope.level for scope, _name in scopes}
        self.fields["kind"].choices = [
            (k, label) for k, label in Report.Kind.choices if KIND_SCOPES[k] & levels
        ]
        groups: dict[str, list] = {}
        for scope, name in scopes:
            groups.setdefault(str(Scope.LABELS[scope.level]), []).append((scope.key, name))
        self.fields["scope"].choices = list(groups.items())

    def clean(self):
        data = super().clean()
        kind, period, key = data.get("kind"), data.get("period"), data.get("scope")
        if not (kind and period and key):
            return data
        scope = data["scope_obj"] = self.scopes[key]
        if period.kind != KIND_PERIOD[kind]:
            example = f"{period.year}-{KIND_PERIOD[kind]}1"
            self.add_error(
                "period",
                _("This report covers a different period length; write it like %(example)s.")
                % {"example": example},
            )
        elif scope.level not in KIND_SCOPES[kind]:
            self.add_error("scope", _("This report is not compiled for the chosen scope."))
        else:
            try:
                report_check(kind=kind, period=period, scope=scope)
            except ReportError as exc:
                raise ValidationError(str(exc)) from exc
        return data


class ReportFilterForm(PortalForm):
    """Filters of the report list (all optional)."""

    kind = forms.ChoiceField(label=_("Report"), required=False)
    period = PeriodField(label=_("Period"), required=False, help_text="")
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Every kind")), *Report.Kind.choices]
        self.fields["status"].choices = [("", _("Every status")), *Report.Status.choices]

    def apply(self, qs):
        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("period"):
            qs = qs.filter(period=str(data["period"]))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs


class Annex3Form(PortalForm):
    """The bimonth of an annex 3 table (and the province of table 1)."""

    period = PeriodField(label=_("Bimonth"), letter="B", help_text=_("Write the bimonth like 1405-B3."))
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, required=False)

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.fields["province"]
        else:
            self.fields["province"].choices = [(p.pk, p.name_fa) for p in provinces]
            self.fields["province"].required = True
