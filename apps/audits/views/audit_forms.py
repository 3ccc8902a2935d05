"""Pages of the bimonthly audit (SPEC §6): the forms in the user's scope, one form laid out by the
sections of annex 2 with the part the user may edit and the buttons of its workflow, its PDF and
its history. Views parse input and call apps.audits.services / selectors; a form outside the
user's scope answers 404, an action the user may not take answers 403.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from apps.audits import scores, selectors, services
from apps.audits.forms import (
    EvaluationForm,
    EvidenceForm,
    ReopenForm,
    ReturnForm,
    RowBodyFormSet,
    RowEvaluatorFormSet,
    SpaceBodyFormSet,
    SpaceEvaluatorFormSet,
    changed_values,
)
from apps.audits.models import AuditEvidence, AuditForm, AuditFormVersion, AuditServiceRow, AuditSpaceItem
from apps.core.access import get_or_404, role_required
from apps.core.filejobs import FileJobRefused, file_job_start
from apps.core.jalali import format_date
from apps.core.models import FileJob
from apps.core.paging import CappedPaginator
from apps.core.pdf import render_pdf
from apps.core.services import change_history
from apps.core.templatetags.portal import digits
from apps.core.text import search_query
from apps.core.uploads import DOCUMENTS, private_file_response
from apps.orgs import roles
from apps.orgs.models import Staff


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- list ---------------------------------------------------------------------------------------


@role_required(*selectors.AUDIT_ROLES)
def form_list(request: HttpRequest) -> HttpResponse:
    """The forms in scope, newest round first; filter by round, state and body or unit name."""
    rounds = list(selectors.audit_round_list())
    round_id = _int(request.GET.get("round"))
    if round_id is None and rounds and "round" not in request.GET:
        round_id = rounds[0].pk  # the current round unless "all rounds" was chosen
    state = request.GET.get("state", "")
    query = search_query(request)
    qs = selectors.audit_form_list(user=request.user)
    if round_id:
        qs = qs.filter(round_id=round_id)
    if state in AuditForm.State.values:
        qs = qs.filter(state=state)
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        qs = qs.filter(overdue=True)
    if query:
        qs = qs.filter(
            Q(body__name_fa__icontains=query)
            | Q(unit__name__icontains=query)
            | Q(body__name_en__icontains=query)
        )
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    counts = selectors.audit_state_counts(user=request.user, round_id=round_id or None)
    return render(
        request,
        "audits/form_list.html",
        {
            "page": page,
            "forms": page.object_list,
            "rounds": rounds,
            "round_id": round_id,
            "state": state,
            "q": query,
            "states": [(value, label, counts[value]) for value, label in AuditForm.State.choices],
            "total": sum(counts.values()),
            "overdue_only": overdue_only,
            "overdue_counts": selectors.audit_overdue_counts(user=request.user),
            "current_round": rounds[0] if rounds else None,
        },
    )


# --- one form -----------------------------------------------------------------------------------


@dataclass
class Permissions:
    """What the user may do to this form now."""

    body_role: bool
    evaluator_role: bool
    edit_body: bool
    edit_evaluation: bool
    can_start: bool
    can_verify: bool
    can_reopen: bool = False

    @classmethod
    def of(cls, staff: Staff | None, form: AuditForm) -> "Permissions":
        body_role = services.can_edit_body(staff, form)
        evaluator_role = services.can_evaluate(staff, form)
        edit_evaluation = (
            evaluator_role
            and form.evaluator_editable
            and (form.state == AuditForm.State.SUBMITTED or form.evaluator_id in (None, staff.pk))
        )
        return cls(
            body_role=body_role,
            evaluator_role=evaluator_role,
            edit_body=body_role and form.body_editable,
            edit_evaluation=edit_evaluation,
            can_start=edit_evaluation and form.state == AuditForm.State.SUBMITTED,
            can_verify=edit_evaluation and form.state == AuditForm.State.UNDER_EVALUATION,
            can_reopen=form.state == AuditForm.State.VERIFIED
            and staff is not None
            and roles.has_role(staff.user, roles.NATIONAL_AUDITOR),
        )


@dataclass
class Cell:
    name: str
    label: str
    field: Any  # the bound field when editable here, else None
    value: Any


@dataclass
class Previous:
    """A field the body changed since the form was returned, with the value it had at the return."""

    name: str
    label: str
    before: str


def _previous(model, changed: dict[str, Any]) -> list[Previous]:
    return [Previous(n, _label(model, n), _display(model, n, v, {})) for n, v in changed.items()]


@dataclass
class RowView:
    """One service row with its editable form (body or evaluator), cells prepared for the template."""

    row: AuditServiceRow
    body: Any = None
    ev: Any = None
    published: list[Cell] = field(default_factory=list)
    e_flags: list[Cell] = field(default_factory=list)
    # Since the last return (shown to the evaluator): the changed fields of each section, and
    # whether the service was added to the form since.
    changed: list[Previous] = field(default_factory=list)
    added: bool = False

    def __post_init__(self) -> None:
        self.published = [self._cell(n) for n in AuditServiceRow.PUBLISHED_FIELDS]
        self.e_flags = [self._cell(n) for n in AuditServiceRow.E_FLAGS]

    def _changed_in(self, names) -> list[Previous]:
        return [p for p in self.changed if p.name in names]

    @property
    def changed_1(self) -> list[Previous]:
        return self._changed_in(AuditServiceRow.BODY_FIELDS_1)

    @property
    def changed_3(self) -> list[Previous]:
        """Where it is offered and how people are informed (the first table of §3)."""
        return self._changed_in(set(AuditServiceRow.BODY_FIELDS_3) - set(AuditServiceRow.PUBLISHED_FIELDS))

    @property
    def changed_published(self) -> list[Previous]:
        return self._changed_in(AuditServiceRow.PUBLISHED_FIELDS)

    @property
    def changed_4(self) -> list[Previous]:
        return self._changed_in(AuditServiceRow.BODY_FIELDS_4)

    @property
    def changed_5(self) -> list[Previous]:
        return self._changed_in(AuditServiceRow.BODY_FIELDS_5)

    def _cell(self, name: str) -> Cell:
        bound = self.body[name] if self.body is not None and name in self.body.fields else None
        return Cell(
            name, str(AuditServiceRow._meta.get_field(name).verbose_name), bound, getattr(self.row, name)
        )


@dataclass
class SpaceView:
    item: AuditSpaceItem
    body: Any = None
    ev: Any = None
    changed: list[Previous] = field(default_factory=list)


def _formsets(
    form: AuditForm, perms: Permissions, data=None, files=None, *, owner: str = "", action: str = ""
) -> dict[str, Any]:
    """The bound or unbound forms of the part the user may edit now (none when read-only).

    The formsets read their own copies of the rows: validating a model form writes the posted
    values onto its instance, and the page is laid out (which row is in §4 and §5, the totals) from
    the rows as saved. Sharing the prefetched rows put a row switched to "hybrid" into §4 without
    its §4 fields, and showed a rejected 105 % in the §4 total.
    """
    rows = AuditServiceRow.objects.filter(form=form)
    space = AuditSpaceItem.objects.filter(form=form)
    if perms.edit_body:
        return {
            "rows": RowBodyFormSet(data, queryset=rows, prefix="rows"),
            "space": SpaceBodyFormSet(data, queryset=space, prefix="space"),
        }
    if perms.edit_evaluation:
        return {
            "rows": RowEvaluatorFormSet(data, queryset=rows, prefix="rows"),
            "space": SpaceEvaluatorFormSet(data, queryset=space, prefix="space"),
            "evaluation": EvaluationForm(data, initial={"improvement_points": form.improvement_points}),
            "return": ReturnForm(data, returning=action == "return"),
            "evidence": EvidenceForm(data, files, prefix="evidence", owner=owner),
        }
    return {}


def _detail_context(form: AuditForm, perms: Permissions, formsets: dict[str, Any]) -> dict[str, Any]:
    part = "body" if perms.edit_body else "ev"
    row_forms = {f.instance.pk: f for f in formsets["rows"].forms} if "rows" in formsets else {}
    space_forms = {f.instance.pk: f for f in formsets["space"].forms} if "space" in formsets else {}
    # The evaluator of a form given back after a return sees what the body changed since, in place.
    since = (
        selectors.audit_form_changes_since_return(form=form)
        if perms.evaluator_role
        else selectors.ChangesSinceReturn()
    )
    added = {text.split(" — ")[0] for text in since.added}
    rows = [
        RowView(
            r,
            **{part: row_forms.get(r.pk)},
            changed=_previous(AuditServiceRow, since.rows.get(r.code, {})),
            added=r.code in added,
        )
        for r in form.rows.all()
    ]
    space = [
        SpaceView(
            i, **{part: space_forms.get(i.pk)}, changed=_previous(AuditSpaceItem, since.space.get(i.item, {}))
        )
        for i in form.space_items.all()
    ]
    desk_rows = [r for r in rows if r.row.at_in_person_desk]
    evidence = _evidence_by_section(form)
    pcts = [r.row.docs_at_request_pct for r in desk_rows if r.row.docs_at_request_pct is not None]
    return {
        "form": form,
        "perms": perms,
        "editing": bool(formsets),
        "formsets": formsets,
        "rows": rows,
        "space": space,
        "desk_rows": desk_rows,
        "edesk_rows": [r for r in rows if r.row.at_electronic_desk],
        "desk_totals": {
            "receipt": sum(1 for r in desk_rows if r.row.receipt_with_time),
            "pct": round(sum(pcts) / len(pcts)) if pcts else None,
            "survey": sum(1 for r in desk_rows if r.row.survey_given),
            "requests": sum(r.row.desk_requests for r in desk_rows),
        },
        "ratings": AuditSpaceItem.Rating.choices,
        "channels": AuditServiceRow._meta.get_field("channel").choices,
        "satisfaction": form.satisfaction or {},
        "since_return": since,
        "since_return_rows": sum(1 for r in rows if r.changed or r.added),
        "since_return_items": sum(1 for s in space if s.changed),
        "desk_corrections": len(selectors.audit_form_desk_corrections(form=form)) if perms.edit_body else 0,
        "evidence": evidence,
        "evidence_items": [item for group in evidence for item in group.items],
        **_round_context(form, perms),
    }


def _round_context(form: AuditForm, perms: Permissions, sections: dict | None = None) -> dict[str, Any]:
    """Due dates, the audit score with the previous round's beside it, and the reopening form."""
    sections = sections if sections is not None else scores.section_scores(form)
    previous = selectors.audit_previous_version(form=form) if form.pk else None
    return {
        "overdue": form.is_overdue,
        "score": {
            "overall": scores.overall_score(sections),
            "previous": previous.score if previous else None,
            "previous_round": previous.form.round.label if previous else "",
            "sections": scores.comparison(sections, previous.sections if previous else None),
            "formula": scores.audit_score_formula(),
        },
        "reopen_form": ReopenForm() if perms.can_reopen else None,
        "snapshot": None,
        "version_count": form.versions.count() if form.pk else 0,
    }


@dataclass
class EvidenceGroup:
    section: int
    label: str
    items: list[AuditEvidence]


def _evidence_by_section(form: AuditForm) -> list[EvidenceGroup]:
    """The form's evidence in section order (one query, uploader joined), sections without any left out."""
    groups: dict[int, EvidenceGroup] = {}
    for item in form.evidence.select_related("uploaded_by"):
        group = groups.setdefault(item.section, EvidenceGroup(item.section, item.get_section_display(), []))
        group.items.append(item)
    return [groups[k] for k in sorted(groups)]


@role_required(*selectors.AUDIT_ROLES)
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole annex 2 form; the body's part editable by its supervisor in draft/returned, the
    evaluator's part by the right auditor once submitted."""
    form = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    staff = getattr(request.user, "staff", None)
    perms = Permissions.of(staff, form)
    if request.method == "POST":
        return _form_post(request, form, staff, perms)
    return render(request, "audits/form_detail.html", _detail_context(form, perms, _formsets(form, perms)))


BODY_ACTIONS = ("save", "submit", "refresh", "refresh_all")
EVALUATOR_ACTIONS = ("evaluate", "verify", "return", "remove_evidence")


def _refusal(form: AuditForm, perms: Permissions, action: str) -> str:
    """Why a user who has a part in this form cannot take the action now ('' when the role is missing)."""
    if not (perms.body_role if action in BODY_ACTIONS else perms.evaluator_role):
        return ""
    if form.state == AuditForm.State.VERIFIED:
        return _("This form is already verified: it can no longer be changed.")
    if action in BODY_ACTIONS:
        return _("The declaration was already submitted and is locked: nothing was changed.")
    if not form.evaluator_editable:
        return _("The form is with the body (%(state)s): it can be evaluated once the body submits it.") % {
            "state": form.get_state_display()
        }
    if form.evaluator_id:
        return _("%(name)s is evaluating this form.") % {"name": form.evaluator.full_name}
    return ""


def _form_post(
    request: HttpRequest, form: AuditForm, staff: Staff | None, perms: Permissions
) -> HttpResponse:
    action = request.POST.get("action", "")
    version = _int(request.POST.get("version"))
    if action not in BODY_ACTIONS + EVALUATOR_ACTIONS:
        return HttpResponseBadRequest()
    if not (perms.edit_body if action in BODY_ACTIONS else perms.edit_evaluation):
        reason = _refusal(form, perms, action)
        if not reason:
            raise PermissionDenied  # not this user's part of the form
        back = reverse("audits:form_detail", args=[form.pk])
        return render(request, "errors/403.html", {"reason": reason, "back": back}, status=403)
    done = redirect("audits:form_detail", pk=form.pk)
    formsets: dict[str, Any] = {}
    try:
        if action in ("refresh", "refresh_all"):
            kept = 0 if action == "refresh_all" else len(selectors.audit_form_desk_corrections(form=form))
            services.audit_form_refresh(
                form=form, by=staff, expected_version=version, replace_corrections=action == "refresh_all"
            )
            messages.success(request, _("§4 and §6 were read again from the portal's data of the period."))
            if kept:
                messages.info(
                    request,
                    ngettext(
                        "The %(n)s §4 value you corrected was kept.",
                        "The %(n)s §4 values you corrected were kept.",
                        kept,
                    )
                    % {"n": digits(kept)},
                )
            return done
        if action == "remove_evidence":
            try:
                services.audit_evidence_remove(
                    evidence_id=_int(request.POST.get("evidence")) or 0, form=form, by=staff
                )
            except AuditEvidence.DoesNotExist as exc:
                raise Http404 from exc
            messages.success(request, _("The file was removed from the form."))
            return done
        formsets = _formsets(
            form, perms, request.POST, request.FILES, owner=f"user:{request.user.pk}", action=action
        )
        if not all(f.is_valid() for f in formsets.values()):
            if "evidence" in formsets:
                formsets["evidence"].keep_upload()
            messages.error(
                request, _("Nothing was saved yet: correct the fields marked below and save again.")
            )
            return render(request, "audits/form_detail.html", _detail_context(form, perms, formsets))
        # One transaction for the edits and the step they go with: a step refused (a form that cannot
        # be submitted or verified yet) leaves the form as it was, not half-way (saved, evaluation
        # started), and the page comes back with what was typed.
        with transaction.atomic():
            _form_save(request, form, staff, formsets, action=action, version=version)
    except services.AuditConflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join([_("Nothing was saved:"), *exc.messages]))
        if formsets:
            return render(request, "audits/form_detail.html", _detail_context(form, perms, formsets))
    return done


@role_required(roles.NATIONAL_AUDITOR)
@require_POST
def form_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A national auditor reopens a verified form for another evaluation, saying why."""
    form = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    staff = getattr(request.user, "staff", None)
    reopen = ReopenForm(request.POST)
    if not reopen.is_valid():
        messages.error(request, _("Say why the verified form is reopened."))
        return redirect("audits:form_detail", pk=form.pk)
    try:
        services.audit_form_reopen(
            form=form,
            by=staff,
            reason=reopen.cleaned_data["reason"],
            expected_version=_int(request.POST.get("version")),
        )
        messages.success(
            request,
            _("The form was reopened for another evaluation. The verified version stays in its history."),
        )
    except services.AuditConflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("audits:form_detail", pk=form.pk)


@role_required(*selectors.AUDIT_ROLES)
def form_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A verified version of the form exactly as it was verified (read-only)."""
    live = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    version = get_object_or_404(
        AuditFormVersion.objects.select_related("verified_by"), form=live, number=number
    )
    form = services.audit_version_form(version)
    perms = Permissions(False, False, False, False, False, False)
    context = _detail_context(form, perms, {})
    context.update(_round_context(form, perms, sections=version.sections))
    context.update({"overdue": False, "snapshot": version, "live": live})
    return render(request, "audits/form_detail.html", context)


def _form_save(
    request: HttpRequest,
    form: AuditForm,
    staff: Staff | None,
    formsets: dict[str, Any],
    *,
    action: str,
    version: int | None,
) -> None:
    rows = changed_values(formsets["rows"])
    space = changed_values(formsets["space"], key="item")
    if action in BODY_ACTIONS:
        services.audit_form_body_update(form=form, by=staff, rows=rows, space=space, expected_version=version)
        if action == "submit":
            services.audit_form_submit(form=form, by=staff)
            messages.success(
                request, _("The declaration was submitted to the evaluators. It can no longer be edited.")
            )
        else:
            messages.success(request, _("The declaration was saved."))
        return
    services.audit_form_evaluation_update(
        form=form,
        by=staff,
        rows=rows,
        space=space,
        expected_version=version,
        improvement_points=formsets["evaluation"].cleaned_data["improvement_points"],
    )
    evidence = formsets["evidence"].cleaned_data
    if evidence.get("file"):
        services.audit_evidence_add(
            form=form,
            by=staff,
            file=evidence["file"],
            section=evidence["section"],
            caption=evidence["caption"],
        )
        messages.success(request, _("The file was attached to the form."))
    if action == "verify":
        services.audit_form_verify(form=form, by=staff)
        messages.success(request, _("The form was verified."))
    elif action == "return":
        services.audit_form_return(form=form, by=staff, comment=formsets["return"].cleaned_data["comment"])
        messages.success(request, _("The form was returned to the body for correction."))
    else:
        messages.success(request, _("The evaluation was saved."))


@role_required(*selectors.AUDIT_ROLES)
@require_POST
def form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Annex 2 printed: the header and the tables of §1–§6, A4 landscape — made by a file job (a form
    of many services takes a second or more to lay out), then downloaded from its progress page."""
    form = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    job = file_job_start(kind=FileJob.Kind.AUDIT_FORM, user=request.user, params={"form": form.pk})
    return redirect("core:file_job", pk=job.pk)


def audit_form_produce(*, job: FileJob, out, progress) -> str:
    """The file job of form_pdf: the form read again in the scope of the one who asked."""
    try:
        form = selectors.audit_form_get(user=job.requested_by, pk=job.params["form"])
    except AuditForm.DoesNotExist as exc:
        raise FileJobRefused(_("This audit form is no longer yours to read.")) from exc
    progress(0, 1)
    out.write(audit_form_pdf_bytes(form))
    progress(1, 1)
    return f"audit-{form.round.year}-{form.round.number}-unit-{form.unit_id}.pdf"


def audit_form_pdf_bytes(form: AuditForm) -> bytes:
    context = _detail_context(form, Permissions(False, False, False, False, False, False), {})
    context["body"] = form.body
    return render_pdf("pdf/audit_form.html", context)


@role_required(*selectors.AUDIT_ROLES)
def evidence_file(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """A photo or document of the visit, to whoever may see the form, only as the type it is."""
    form = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    item = get_or_404(lambda pk: form.evidence.get(pk=pk), pk=evidence_pk)
    return private_file_response(item.file, allowed=DOCUMENTS, filename=f"audit-{form.pk}-evidence-{item.pk}")


# --- history ------------------------------------------------------------------------------------

_ACTIONS = {
    "opened": gettext_lazy("Opened with the round, pre-filled"),
    "body_updated": gettext_lazy("Declaration edited"),
    "refreshed": gettext_lazy("Figures read again from the portal"),
    "submitted": gettext_lazy("Submitted"),
    "evaluation_started": gettext_lazy("Evaluation started"),
    "evaluation_updated": gettext_lazy("Evaluation edited"),
    "verified": gettext_lazy("Verified"),
    "returned": gettext_lazy("Returned for correction"),
    "reopened": gettext_lazy("Reopened after verification"),
    "evidence_added": gettext_lazy("Evidence of the visit attached"),
    "evidence_removed": gettext_lazy("Evidence of the visit removed"),
}
_TOP_LABELS = {
    "satisfaction_overall": gettext_lazy("Overall satisfaction index (§6)"),
    "corrections_replaced": gettext_lazy("The body's corrections to §4 replaced by the portal's figures"),
    "services": gettext_lazy("Services"),
    "round": gettext_lazy("Audit round"),
    "version": gettext_lazy("Verified version"),
    "score": gettext_lazy("Audit score"),
    "evidence_file": gettext_lazy("File"),
}
_EMPTY = "—"


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class RowChanges:
    label: str
    changes: list[Change]


@dataclass
class Entry:
    record: Any
    action: str
    changes: list[Change]
    rows: list[RowChanges]
    added: list[str]


def _display(model, name: str, value, staff_names: dict[int, str]) -> str:
    if value in (None, "", []):
        return _EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    try:
        model_field = model._meta.get_field(name.removesuffix("_id"))
    except Exception:
        return Truncator(str(value)).chars(160)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return staff_names.get(value, f"#{value}")
    if model_field.get_internal_type() == "DateField":
        try:
            return format_date(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    return Truncator(str(value)).chars(160)


def _label(model, name: str) -> str:
    if name in _TOP_LABELS:
        return str(_TOP_LABELS[name])
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except Exception:
        return name


def _changes(model, before: dict, after: dict, staff_names: dict[int, str]) -> list[Change]:
    return [
        Change(
            _label(model, k),
            _display(model, k, before.get(k), staff_names),
            _display(model, k, v, staff_names),
        )
        for k, v in after.items()
        if before.get(k) != v
    ]


def _entry(record, form: AuditForm, row_titles: dict[str, str], staff_names: dict[int, str]) -> Entry:
    before, after = record.before or {}, record.after or {}
    scalar = {k: v for k, v in after.items() if k not in ("rows", "space", "added", "totals", "unit")}
    rows = [
        RowChanges(
            f"{code} — {row_titles.get(code, '')}",
            _changes(AuditServiceRow, (before.get("rows") or {}).get(code, {}), new, staff_names),
        )
        for code, new in (after.get("rows") or {}).items()
    ]
    rows += [
        RowChanges(
            _("Space and staffing, item %(n)s: %(item)s")
            % {"n": item, "item": AuditSpaceItem.Item(int(item)).label},
            _changes(AuditSpaceItem, (before.get("space") or {}).get(item, {}), new, staff_names),
        )
        for item, new in (after.get("space") or {}).items()
    ]
    return Entry(
        record=record,
        action=str(_ACTIONS.get(record.action, record.action)),
        changes=_changes(AuditForm, before, scalar, staff_names) if record.action != "opened" else [],
        rows=rows,
        added=list(after.get("added") or []),
    )


@role_required(*selectors.AUDIT_ROLES)
def form_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change of the form, newest first: who, when, what before and after."""
    form = get_or_404(selectors.audit_form_get, user=request.user, pk=pk)
    records = list(change_history(form))
    staff_ids = {
        v
        for r in records
        for snap in (r.before or {}, r.after or {})
        for k, v in snap.items()
        if k in ("preparer_id", "evaluator_id") and v
    }
    staff_names = {pk: s.full_name for pk, s in Staff.objects.in_bulk(staff_ids).items()}
    row_titles = {r.code: r.title for r in form.rows.all()}
    return render(
        request,
        "audits/form_history.html",
        {
            "form": form,
            "entries": [_entry(r, form, row_titles, staff_names) for r in records],
            "versions": list(selectors.audit_form_versions(form=form)),
        },
    )


urlpatterns = [
    path("", form_list, name="form_list"),
    path("forms/<int:pk>/", form_detail, name="form_detail"),
    path("forms/<int:pk>/form.pdf", form_pdf, name="form_pdf"),
    path("forms/<int:pk>/history/", form_history, name="form_history"),
    path("forms/<int:pk>/reopen/", form_reopen, name="form_reopen"),
    path("forms/<int:pk>/versions/<int:number>/", form_version, name="form_version"),
    path("forms/<int:pk>/evidence/<int:evidence_pk>/", evidence_file, name="evidence_file"),
]
