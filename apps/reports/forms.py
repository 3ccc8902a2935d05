"""Forms of the report pages: the on-demand request, the list filters and the annex 3 period."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import PeriodField, PortalForm
from apps.core.jalali import Period
from apps.core.text import ltr
from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import KIND_PERIOD, KIND_SCOPES, ReportError, last_finished, report_check


def default_period(letter: str, today: dt.date | None = None) -> str:
    return str(last_finished(letter, today or timezone.localdate()))


# Said in words, with the code isolated beside it, so that neither reads reversed in Persian.
KIND_PERIOD_ERRORS = {
    "Q": _("This report covers a quarter: choose one such as %(example)s."),
    "B": _("This report covers a bimonth: choose one such as %(example)s."),
    "H": _("This report covers a half year: choose one such as %(example)s."),
}


def _example(period: Period) -> str:
    return _("“%(label)s” (%(code)s)") % {"label": period.label(), "code": ltr(str(period))}


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
            letter = KIND_PERIOD[kind]
            example = Period.containing(min(period.end, timezone.localdate()), letter)
            self.add_error("period", KIND_PERIOD_ERRORS[letter] % {"example": _example(example)})
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
    period = PeriodField(label=_("Period"), required=False, blank=_("Every period"))
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

    period = PeriodField(
        label=_("Bimonth"),
        letters="B",
        help_text=_(
            "Choose the bimonth from the list, or type its code (either way round) in the box beside it."
        ),
    )
    province = forms.TypedChoiceField(label=_("Province"), coerce=int, required=False)

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.fields["province"]
        else:
            self.fields["province"].choices = [(p.pk, p.name_fa) for p in provinces]
            self.fields["province"].required = True

    def clean_period(self) -> Period:
        period = self.cleaned_data["period"]
        if period.kind != "B":
            example = Period.containing(period.start, "B")
            raise ValidationError(
                _("Annex 3 tables are bimonthly: choose a bimonth such as %(example)s.")
                % {"example": _example(example)}
            )
        return period
