"""Excel import and export of a body's catalog (SPEC §3): four sheets with one header row each.

The workbook is a contract with the people who fill it in, so its sheet names, headers and the words
accepted for choices are fixed here and do not change with the page language. Cells may hold Persian
or Arabic digits and Arabic ي/ك. Codes, URLs, account numbers, numbers and choices are read with
ASCII digits (`normalize_text`); free text keeps the digits it was written with
(`normalize_free_text`), as the portal's forms store it (apps.core.forms).

How an import applies:
- a service in the `services` sheet is described whole: for each of `stages`, `documents` and `fees`
  present in the file, its rows there replace the stored ones (no rows clears them);
- a service only named in part sheets must already exist in the body; only the parts that have rows
  for it are replaced, the rest of the service is left alone;
- a service with any bad row is not imported at all; the others are, each in its own transaction;
- a cell that says what is stored is not a change (`same_value`): exporting a catalog and importing
  the file untouched changes nothing and records nothing; a changed service is recorded once, with
  the values before and after, in its history.
Inquiries, laws, FAQ, forms, units and counters are not in the workbook and are never touched.
"""

import datetime as dt
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from apps.catalog import selectors
from apps.catalog.models import Fee, RequiredDocument, SubService, WorkflowStage
from apps.catalog.services import SERVICE_PARTS, service_import
from apps.core import jalali
from apps.core.filejobs import FileJobRefused, file_job_start
from apps.core.models import FileJob
from apps.core.templatetags.portal import digits
from apps.core.text import normalize_digits, normalize_free_text, normalize_text, search_key
from apps.orgs.models import Body, OrgUnit

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A 10 MB upload can inflate to gigabytes of XML; real catalogs stay far below these.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS_PER_SHEET = 50_000


def _key(value) -> str:
    """How two spellings of a header or choice are compared: normalised, no spaces, dashes or case."""
    return re.sub(r"[\s_\-–—]+", "", search_key(str(value)))


class _Vocabulary:
    """The words a choice cell may hold. The first word of each value is what export writes."""

    def __init__(self, words: dict[str, tuple[str, ...]]):
        self.labels = {value: options[0] for value, options in words.items()}
        self._lookup = {_key(word): value for value, options in words.items() for word in (value, *options)}

    def get(self, raw) -> str | None:
        return self._lookup.get(_key(raw))


SERVICE_TYPES = _Vocabulary(
    {
        "G2C": ("G2C", "GYC", "دولت به شهروند"),
        "G2B": ("G2B", "GYB", "دولت به کسب‌وکار", "دولت به کسب و کار"),
    }
)
CHANNELS = _Vocabulary(
    {
        "in_person": ("میز خدمت حضوری", "حضوری", "In-person desk"),
        "electronic": ("میز خدمت الکترونیکی", "الکترونیکی", "Electronic desk"),
        "hybrid": ("ترکیب حضوری و الکترونیکی", "ترکیبی", "حضوری و الکترونیکی", "In-person and electronic"),
        "outside": ("خارج از میز خدمت", "خارج از میز", "Outside the desk"),
    }
)
# The official reasons are numbered (1)–(3) in the guide, so the numbers are accepted too.
REASONS = _Vocabulary(
    {
        "law": ("الزام قانونی به حضور", "الزام قانونی", "قانون", "1"),
        "digitisation": ("در حال الکترونیکی‌سازی", "الکترونیکی‌سازی", "digitization", "2"),
        "internal": ("فرایند درون‌دستگاهی", "فرآیند درون‌دستگاهی", "درون‌دستگاهی", "درون‌سازمانی", "3"),
    }
)
# Table 1 durations are agreed in working time, so a bare «روز» means a working day.
STAGE_UNITS = _Vocabulary({"hour": ("ساعت",), "working_day": ("روز کاری", "روز")})
AVERAGE_UNITS = _Vocabulary(
    {**{"hour": ("ساعت",), "working_day": ("روز کاری", "روز")}, "calendar_day": ("روز تقویمی",)}
)
DOCUMENT_FORMS = _Vocabulary(
    {
        "original": ("اصل",),
        "copy": ("تصویر", "کپی", "رونوشت"),
        "both": ("اصل و تصویر", "اصل و کپی", "هر دو"),
    }
)
YES_NO = _Vocabulary({"yes": ("بله", "آری", "دارد", "true", "1"), "no": ("خیر", "نه", "ندارد", "false", "0")})


class _CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Column:
    """One column: the model attribute it fills, its header, and how a cell is read and written."""

    field: str
    header: str
    width: int = 18
    kind: str = "text"  # text (free text), code, choice, decimal, integer, amount, bool, unit, date
    required: bool = False
    vocabulary: _Vocabulary | None = None
    default: object = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    label: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


CODE = Column("code", "کد خدمت", 14, "code", required=True)

SERVICES = Sheet(
    "services",
    gettext_lazy("services"),
    (
        CODE,
        Column("title", "عنوان خدمت", 40, required=True),
        Column("description", "شرح خدمت", 40),
        Column("service_type", "نوع خدمت", 10, "choice", required=True, vocabulary=SERVICE_TYPES),
        Column("channel", "نحوه ارائه", 24, "choice", required=True, vocabulary=CHANNELS),
        Column("non_electronic_reason", "دلیل الکترونیکی نبودن", 24, "choice", vocabulary=REASONS),
        Column("non_electronic_note", "توضیح دلیل", 30),
        Column("eservice_url", "نشانی صفحه خدمت الکترونیکی", 30, "code"),
        Column("addresses", "نشانی محل‌های ارائه", 36),
        Column("average_duration", "میانگین مدت انجام", 12, "decimal", default=None),
        Column(
            "average_duration_unit", "واحد مدت", 12, "choice", vocabulary=AVERAGE_UNITS, default="working_day"
        ),
        Column("responsible_name", "مسئول پاسخگویی", 20),
        Column("responsible_contact", "راه تماس با مسئول", 20),
        Column("complaint_procedure", "روش رسیدگی به شکایت", 36),
        Column("active", "فعال", 8, "bool", vocabulary=YES_NO, default=True),
        # Jalali days; an empty «from» keeps the stored day (today for a new service).
        Column("valid_from", "در فهرست خدمات از", 14, "date", default=None),
        Column("valid_until", "در فهرست خدمات تا", 14, "date", default=None),
    ),
)
STAGES = Sheet(
    "stages",
    gettext_lazy("stages"),
    (
        CODE,
        Column("order", "ردیف مرحله", 10, "integer", required=True),
        Column("title", "عنوان مرحله", 36, required=True),
        Column("responsible_unit_id", "واحد مسئول", 28, "unit", required=True),
        Column("responsible_post", "سمت مسئول", 22, required=True),
        Column("duration", "مدت", 8, "decimal", required=True),
        Column("duration_unit", "واحد مدت", 12, "choice", vocabulary=STAGE_UNITS, default="working_day"),
    ),
)
DOCUMENTS = Sheet(
    "documents",
    gettext_lazy("documents"),
    (
        CODE,
        Column("title", "عنوان مدرک", 40, required=True),
        Column("form", "اصل یا تصویر", 14, "choice", vocabulary=DOCUMENT_FORMS, default="copy"),
        Column("upload_required", "بارگذاری لازم است", 14, "bool", vocabulary=YES_NO, default=False),
    ),
)
FEES = Sheet(
    "fees",
    gettext_lazy("fees"),
    (
        CODE,
        Column("title", "عنوان هزینه", 30, required=True),
        Column("amount_rials", "مبلغ (ریال)", 16, "amount", required=True),
        Column("account", "شماره حساب یا شبا", 30, "code", required=True),
        Column("legal_basis", "مبنای قانونی", 36, required=True),
    ),
)
SHEETS = (SERVICES, STAGES, DOCUMENTS, FEES)
PART_SHEETS = (STAGES, DOCUMENTS, FEES)
_PART_MODELS = {"stages": WorkflowStage, "documents": RequiredDocument, "fees": Fee}
SHEET_LABELS = {s.name: s.label for s in SHEETS}


# --- the report ---------------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    row: int  # as numbered in Excel: the header is row 1
    code: str  # a stable reason key, for tests and for grouping
    message: str
    service_code: str = ""

    @property
    def sheet_label(self) -> str:
        return str(SHEET_LABELS.get(self.sheet, self.sheet))

    def __str__(self) -> str:
        return _("Row %(row)s: %(reason)s") % {"row": digits(self.row), "reason": self.message}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    failed_codes: list[str] = field(default_factory=list)
    # (outcome, service) of every service created or updated, by code: what the report links to.
    changed: list[tuple[str, SubService]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def error_rows(self) -> set[tuple[str, int]]:
        return {(e.sheet, e.row) for e in self.errors}


# --- units of the body, matched by name --------------------------------------------------------


class _UnitIndex:
    """The body's units by name. A name two units share is written and read as «name #id»."""

    _WITH_ID = re.compile(r"^(?P<name>.*?)\s*#\s*(?P<pk>\d+)$")

    def __init__(self, units: Iterable[OrgUnit]):
        self.by_pk: dict[int, OrgUnit] = {}
        self.by_name: dict[str, list[OrgUnit]] = {}
        for unit in units:
            self.by_pk[unit.pk] = unit
            self.by_name.setdefault(_key(unit.name), []).append(unit)

    def label(self, pk: int) -> str:
        unit = self.by_pk.get(pk)
        if unit is None:
            return ""
        return unit.name if len(self.by_name[_key(unit.name)]) == 1 else f"{unit.name} #{unit.pk}"

    def find(self, text: str) -> int:
        matches = self.by_name.get(_key(text), [])
        if len(matches) == 1:
            return matches[0].pk
        numbered = self._WITH_ID.match(text)
        if numbered and int(numbered["pk"]) in self.by_pk:
            return int(numbered["pk"])
        if matches:
            raise _CellError(
                "unit_ambiguous",
                _(
                    "%(count)s units of this body are named «%(name)s»; write it as «%(name)s #id» with the unit's number."
                )
                % {"count": digits(len(matches)), "name": text},
            )
        raise _CellError("unit", _("This body has no unit named «%(name)s».") % {"name": text})


# --- reading cells ------------------------------------------------------------------------------


def _is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not normalize_text(raw))


def _text(raw, normalize=normalize_text) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        # A code or number typed into a numeric cell comes back as 11001.0.
        raw = int(raw)
    return normalize(str(raw))


def _free_text(raw) -> str:
    return _text(raw, normalize_free_text)


def _as_read(text: str) -> str:
    """A stored text as a workbook gives it back: Windows line breaks come back as \n (XML), control
    characters are not written (openpyxl), and the import normalises letters and marks."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return normalize_free_text(text)


def same_value(stored, value) -> bool:
    """Whether an imported value says what is stored. Texts that differ only in what a workbook
    cannot show (an Arabic ي, a bidi mark, a Windows line break) are the same: such a stored value is
    left as it is rather than rewritten by an untouched row."""
    if isinstance(stored, str) and isinstance(value, str):
        return stored == value or _as_read(stored) == _as_read(value)
    return stored == value


def _number(raw, column: Column) -> Decimal:
    if isinstance(raw, bool):
        raise _CellError("number", _("«%(column)s» must be a number.") % {"column": column.header})
    if isinstance(raw, int | float | Decimal):
        text = str(raw)
    else:
        # Persian writes thousands with «٬» or «,» and the decimal point as «٫» or «/».
        text = normalize_digits(_text(raw))
        text = re.sub(r"[\s,٬،']", "", text).replace("٫", ".").replace("/", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    # The exponent cap keeps «1e999999» from becoming a million-digit integer.
    if value is None or not value.is_finite() or value.adjusted() > 15:
        raise _CellError("number", _("«%(column)s» must be a number.") % {"column": column.header})
    if value <= 0:
        raise _CellError("positive", _("«%(column)s» must be greater than zero.") % {"column": column.header})
    return value


def _whole(value: Decimal, column: Column) -> int:
    if value != value.to_integral_value():
        raise _CellError("whole", _("«%(column)s» must be a whole number.") % {"column": column.header})
    return int(value)


def _choice(raw, column: Column) -> str:
    value = column.vocabulary.get(_text(raw))
    if value is None:
        raise _CellError(
            "choice",
            _("«%(value)s» is not a valid «%(column)s»; use one of: %(choices)s.")
            % {
                "value": _text(raw),
                "column": column.header,
                "choices": "، ".join(column.vocabulary.labels.values()),
            },
        )
    return value


def _cell(raw, column: Column, units: _UnitIndex):
    """The model value of one cell, or _CellError with the reason in the user's language."""
    if _is_blank(raw):
        if column.required:
            raise _CellError("required", _("«%(column)s» is empty.") % {"column": column.header})
        return column.default
    if column.kind == "text":
        return _free_text(raw)
    if column.kind == "code":
        return _text(raw)
    if column.kind == "choice":
        return _choice(raw, column)
    if column.kind == "bool":
        return raw if isinstance(raw, bool) else _choice(raw, column) == "yes"
    if column.kind == "decimal":
        return _number(raw, column)
    if column.kind in ("integer", "amount"):
        return _whole(_number(raw, column), column)
    if column.kind == "unit":
        return units.find(_text(raw))
    if column.kind == "date":
        return _date(raw, column)
    raise ValueError(column.kind)


def _date(raw, column: Column) -> dt.date:
    """A Jalali day typed as text (۱۴۰۵/۰۱/۱۵); a cell Excel holds as a date is taken as Gregorian."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return jalali.parse_date(normalize_digits(_text(raw)))
    except (ValueError, OverflowError):
        raise _CellError(
            "date", _("«%(column)s» must be a Jalali date such as 1405/01/15.") % {"column": column.header}
        ) from None


def _row_values(sheet: Sheet, cells: tuple, units: _UnitIndex) -> tuple[dict, list[_CellError]]:
    values, errors = {}, []
    for index, column in enumerate(sheet.columns):
        raw = cells[index] if index < len(cells) else None
        try:
            values[column.field] = _cell(raw, column, units)
        except _CellError as exc:
            errors.append(exc)
    return values, errors


def _model_errors(instance, sheet: Sheet, *, exclude: list[str]) -> list[_CellError]:
    """The model's own rules (lengths, URL, channel/reason, whole working days) as cell errors."""
    try:
        # Uniqueness is checked against the whole file in memory; letting Django do it would cost a
        # query per row, and foreign keys are already known to exist in the body.
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        headers = {c.field: c.header for c in sheet.columns}
        headers["responsible_unit"] = headers.get("responsible_unit_id", "")
        errors = []
        for name, messages in exc.message_dict.items():
            header = headers.get(name)
            for message in messages:
                text = f"«{header}»: {message}" if header else message
                errors.append(_CellError("invalid", text))
        return errors
    return []


# --- reading the workbook -----------------------------------------------------------------------


def _open_workbook(file):
    if isinstance(file, bytes | bytearray):
        file = io.BytesIO(file)
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise ValueError("unzipped size")
    file.seek(0)
    return load_workbook(file, read_only=True, data_only=True)


def _sheet_rows(ws, sheet: Sheet, report: ImportReport) -> list[tuple[int, tuple]]:
    # Files saved by other tools often carry a wrong dimension tag; without this rows get cut off.
    ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True)
    header = tuple(next(rows, ()))
    for index, expected in enumerate(sheet.headers):
        found = _text(header[index]) if index < len(header) else ""
        if _key(found) != _key(expected):
            report.file_errors.append(
                _(
                    "Sheet «%(sheet)s», column %(letter)s: the header should be «%(expected)s» but is «%(found)s»."
                )
                % {
                    "sheet": sheet.name,
                    "letter": get_column_letter(index + 1),
                    "expected": expected,
                    "found": found,
                }
            )
    out = []
    for number, cells in enumerate(rows, start=2):
        if all(_is_blank(c) for c in cells[: len(sheet.columns)]):
            continue
        if len(out) >= MAX_ROWS_PER_SHEET:
            report.file_errors.append(
                _("Sheet «%(sheet)s» has more than %(max)s rows.")
                % {"sheet": sheet.name, "max": digits(MAX_ROWS_PER_SHEET)}
            )
            break
        out.append((number, cells))
    return out


@dataclass
class _Plan:
    """What the file says about one service code."""

    code: str
    sheet: str  # where the code was first named, for errors found while saving
    row: int
    fields: dict | None = None  # None: not in the services sheet
    parts: dict[str, list[dict]] = field(default_factory=dict)
    failed: bool = False


def _workbook_rows(file, report: ImportReport) -> dict[str, list[tuple[int, tuple]]]:
    """The non-blank rows of each known sheet, or file errors in the report."""
    try:
        workbook = _open_workbook(file)
    except Exception:  # whatever a hostile or broken file makes zipfile or openpyxl raise
        report.file_errors.append(_("The file could not be read as an Excel workbook (.xlsx)."))
        return {}
    try:
        found = {_key(name): name for name in workbook.sheetnames}
        rows = {
            s.name: _sheet_rows(workbook[found[_key(s.name)]], s, report)
            for s in SHEETS
            if _key(s.name) in found
        }
    finally:
        workbook.close()
    if not rows:
        report.file_errors.append(
            _("The workbook has none of the sheets %(names)s.") % {"names": "، ".join(s.name for s in SHEETS)}
        )
    return rows


def _plans_build(rows: dict, *, body: Body, report: ImportReport) -> dict[str, _Plan]:
    """Read and check every row, grouped by service code; two queries whatever the file's size."""
    units = _UnitIndex(OrgUnit.objects.filter(body=body).only("pk", "name"))
    existing = set(SubService.objects.filter(body=body).values_list("code", flat=True))
    plans: dict[str, _Plan] = {}

    def report_row(sheet: Sheet, row: int, errors: list[_CellError], code: str) -> None:
        report.errors.extend(RowError(sheet.name, row, e.code, e.message, code) for e in errors)
        if errors and code in plans:
            plans[code].failed = True

    for row, cells in rows.get(SERVICES.name, []):
        values, errors = _row_values(SERVICES, cells, units)
        if values.get("valid_from", "") is None:
            del values["valid_from"]  # keep the stored first day (a new service: today)
        code = values.get("code") or ""
        if code in plans:
            errors.append(
                _CellError(
                    "duplicate",
                    _("The service code %(code)s is repeated (first on row %(row)s).")
                    % {"code": code, "row": digits(plans[code].row)},
                )
            )
        elif code:
            plans[code] = _Plan(code, SERVICES.name, row, fields=values)
        if not errors:
            errors = _model_errors(SubService(body=body, **values), SERVICES, exclude=["body"])
        report_row(SERVICES, row, errors, code)

    present = [s for s in PART_SHEETS if s.name in rows]
    for plan in plans.values():
        # Described whole: a part sheet in the file with no rows for it clears that part.
        plan.parts = {s.name: [] for s in present}

    for sheet in present:
        seen_stages: dict[tuple[str, int], int] = {}
        for row, cells in rows[sheet.name]:
            values, errors = _row_values(sheet, cells, units)
            code = values.pop("code") or ""
            if code and code not in plans:
                if code in existing:
                    plans[code] = _Plan(code, sheet.name, row)
                else:
                    errors.append(
                        _CellError(
                            "unknown_service",
                            _(
                                "The service code %(code)s is neither in the services sheet nor in this body's catalog."
                            )
                            % {"code": code},
                        )
                    )
            if sheet is STAGES and "order" in values:
                first = seen_stages.setdefault((code, values["order"]), row)
                if first != row:
                    errors.append(
                        _CellError(
                            "duplicate",
                            _("Stage %(order)s of service %(code)s is repeated (first on row %(row)s).")
                            % {"order": digits(values["order"]), "code": code, "row": digits(first)},
                        )
                    )
            if not errors:
                model = _PART_MODELS[sheet.name]
                errors = _model_errors(model(**values), sheet, exclude=["service", "responsible_unit"])
            if code in plans:
                plans[code].parts.setdefault(sheet.name, []).append(values)
            report_row(sheet, row, errors, code)

    for plan in plans.values():
        # Documents have no order column: the order of the rows is the order shown to citizens.
        for position, values in enumerate(plan.parts.get(DOCUMENTS.name, []), start=1):
            values["order"] = position
    return plans


def _plans_apply(plans: dict[str, _Plan], *, body: Body, by, report: ImportReport, progress=None) -> None:
    """Import each plan without errors through `service_import`, one transaction per service."""
    good = [p for p in plans.values() if not p.failed]
    stored = {
        s.code: s
        for s in SubService.objects.filter(body=body, code__in=[p.code for p in good]).prefetch_related(
            *SERVICE_PARTS
        )
    }
    outcomes: dict[str, str] = {}
    for done, plan in enumerate(good):
        if progress is not None:
            progress(done, len(good))
        if plan.fields is None and plan.code not in stored:
            # Deleted by someone else since the file was read; creating it from part rows alone
            # would make a service without a title.
            reason = _("Service %(code)s no longer exists.") % {"code": plan.code}
            report.errors.append(RowError(plan.sheet, plan.row, "unknown_service", reason, plan.code))
            plan.failed = True
            continue
        try:
            outcome = service_import(
                body=body,
                code=plan.code,
                fields=plan.fields,
                parts=plan.parts,
                existing=stored.get(plan.code),
                by=by,
                same=same_value,
            )
        except IntegrityError as exc:
            # Another user saved the same code meanwhile, or a stage being replaced is still referenced.
            reason = _("Service %(code)s could not be saved: %(reason)s") % {
                "code": plan.code,
                "reason": exc.args[0] if exc.args else exc,
            }
            report.errors.append(RowError(plan.sheet, plan.row, "save", reason, plan.code))
            plan.failed = True
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            outcomes[plan.code] = outcome
    if outcomes:
        changed = SubService.objects.filter(body=body, code__in=list(outcomes)).order_by("code")
        report.changed = [(outcomes[s.code], s) for s in changed.only("pk", "code", "title")]


def import_size(file) -> int:
    """How many rows the services sheet of a workbook has (0 if it cannot be read: the import says why)."""
    try:
        workbook = _open_workbook(file)
    except Exception:  # whatever a hostile or broken file makes zipfile or openpyxl raise
        return 0
    try:
        found = {_key(name): name for name in workbook.sheetnames}
        sheet = found.get(_key(SERVICES.name))
        return max((workbook[sheet].max_row or 1) - 1, 0) if sheet else 0
    finally:
        workbook.close()
        file.seek(0)


def import_catalog(*, body: Body, file, by, progress=None) -> ImportReport:
    """Check a catalog workbook and import its good services, each in its own transaction;
    `progress(done, total)` is told after each service."""
    report = ImportReport()
    rows = _workbook_rows(file, report)
    if report.file_errors:
        return report
    plans = _plans_build(rows, body=body, report=report)
    _plans_apply(plans, body=body, by=by, report=report, progress=progress)
    report.failed_codes = sorted(p.code for p in plans.values() if p.failed)
    # A services row without a code is a service that was not imported either.
    nameless = {e.row for e in report.errors if e.sheet == SERVICES.name and not e.service_code}
    report.failed = len(report.failed_codes) + len(nameless)
    order = [s.name for s in SHEETS]
    report.errors.sort(key=lambda e: (order.index(e.sheet), e.row))
    return report


def catalog_import_start(*, body: Body, file, by):
    """Keep the workbook in private storage and queue its import as a file job; returns the job."""
    kept = default_storage.save(f"jobs/uploads/{uuid.uuid4().hex}.xlsx", file)
    return file_job_start(kind=FileJob.Kind.CATALOG_IMPORT, user=by, params={"body": body.pk, "upload": kept})


def catalog_import_produce(*, job, out, progress) -> str:
    """The file job of a large import (apps.core.filejobs): the workbook the page kept is imported for
    the body, in the scope of the one who asked, and deleted; the counts go in the job's message and
    the file is the report — every service created or updated, and every row refused with why."""
    upload = job.params["upload"]
    try:
        body = selectors.manage_body_list(user=job.requested_by).filter(pk=job.params["body"]).first()
        if body is None:
            raise FileJobRefused(_("This body's catalog is no longer yours to change."))
        with default_storage.open(upload, "rb") as file:
            report = import_catalog(body=body, file=file, by=job.requested_by, progress=progress)
    finally:
        default_storage.delete(upload)
    if report.file_errors:
        raise FileJobRefused(" ".join(str(e) for e in report.file_errors))
    job.message = import_summary(report)
    out.write(_import_report_workbook(report))
    return f"catalog-import-{body.pk}-{timezone.localdate().isoformat()}.xlsx"


def import_summary(report: ImportReport) -> str:
    return digits(
        _("%(imported)d services imported (%(created)d new, %(updated)d changed, %(unchanged)d unchanged); "
          "%(failed)d not imported.")
        % {"imported": report.imported, "created": report.created, "updated": report.updated,
           "unchanged": report.unchanged, "failed": report.failed}
    )


def _import_report_workbook(report: ImportReport) -> bytes:
    workbook = Workbook(write_only=True)
    done = workbook.create_sheet(str(_("Imported")))
    done.append([str(_("Outcome")), str(_("Code")), str(_("Title"))])
    outcomes = {"created": _("New"), "updated": _("Changed")}
    for outcome, service in report.changed:
        done.append([str(outcomes.get(outcome, outcome)), service.code, ILLEGAL_CHARACTERS_RE.sub("", service.title)])
    refused = workbook.create_sheet(str(_("Not imported")))
    refused.append([str(_("Sheet")), str(_("Row")), str(_("Code")), str(_("Reason"))])
    for error in report.errors:
        refused.append([error.sheet_label, error.row, error.service_code, ILLEGAL_CHARACTERS_RE.sub("", str(error.message))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- writing the workbook -----------------------------------------------------------------------


def _export_value(value, column: Column, units: _UnitIndex):
    if column.kind == "bool":
        return YES_NO.labels["yes" if value else "no"]
    if column.kind == "choice":
        return column.vocabulary.labels.get(value, value) if value else None
    if column.kind == "unit":
        return units.label(value)
    if column.kind == "date":
        return jalali.format_date(value, persian_digits=False) if value else None
    if value in ("", None):
        return None
    if isinstance(value, str):
        # openpyxl refuses control characters that may have been pasted into a text field.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet.name)
        ws.sheet_view.rightToLeft = True
        ws.append(sheet.headers)
        ws.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = column.width
            cell = ws.cell(row=1, column=index)
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if column.vocabulary:
                choices = list(column.vocabulary.labels.values())
                cell.comment = Comment("یکی از: " + "، ".join(choices), "سامانه میز خدمت")
                # A warning, not a stop: the aliases and numbers the importer accepts may be typed too.
                check = DataValidation(
                    type="list",
                    formula1='"' + ",".join(choices) + '"',
                    allow_blank=True,
                    errorStyle="warning",
                )
                check.add(f"{letter}2:{letter}1048576")
                ws.add_data_validation(check)
    return workbook


def _rows_write(ws, sheet: Sheet, rows: Iterable[dict], units: _UnitIndex) -> None:
    for values in rows:
        ws.append([_export_value(values.get(c.field), c, units) for c in sheet.columns])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                # Text that starts with "=" is text, not a formula Excel would run (and the import,
                # which reads values, would get back empty).
                cell.data_type = "s"
    for index, column in enumerate(sheet.columns, start=1):
        if column.kind == "amount":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "#,##0"


def _as_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fields(obj, sheet: Sheet, code: str) -> dict:
    return {**{c.field: getattr(obj, c.field) for c in sheet.columns if c is not CODE}, "code": code}


def export_catalog(body: Body) -> bytes:
    """The body's whole catalog as an xlsx workbook in the import layout (five queries)."""
    units = _UnitIndex(OrgUnit.objects.filter(body=body).only("pk", "name"))
    services = list(
        SubService.objects.filter(body=body).prefetch_related("stages", "documents", "fees").order_by("code")
    )
    workbook = _new_workbook()
    _rows_write(workbook["services"], SERVICES, (_fields(s, SERVICES, s.code) for s in services), units)
    parts: list[tuple[Sheet, Callable]] = [
        (STAGES, lambda s: s.stages.all()),
        (DOCUMENTS, lambda s: s.documents.all()),
        (FEES, lambda s: s.fees.all()),
    ]
    for sheet, rows_of in parts:
        _rows_write(
            workbook[sheet.name],
            sheet,
            (_fields(r, sheet, s.code) for s in services for r in rows_of(s)),
            units,
        )
    return _as_bytes(workbook)


def catalog_export_rows(body: Body) -> int:
    """How many rows the body's workbook has (every sheet's), to tell a download from a job."""
    return (
        SubService.objects.filter(body=body).count()
        + WorkflowStage.objects.filter(service__body=body).count()
        + RequiredDocument.objects.filter(service__body=body).count()
        + Fee.objects.filter(service__body=body).count()
    )


# Rows written between two progress reports of an export job.
EXPORT_BATCH = 1000


def _stream_sheet(workbook: Workbook, sheet: Sheet):
    from openpyxl.cell import WriteOnlyCell

    ws = workbook.create_sheet(sheet.name)
    ws.sheet_view.rightToLeft = True
    ws.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header = []
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.vocabulary:
            choices = "، ".join(column.vocabulary.labels.values())
            cell.comment = Comment("یکی از: " + choices, "سامانه میز خدمت")
        header.append(cell)
    ws.append(header)
    return ws


def _stream_row(ws, sheet: Sheet, values: dict, units: _UnitIndex) -> list:
    from openpyxl.cell import WriteOnlyCell

    row = []
    for column in sheet.columns:
        value = _export_value(values.get(column.field), column, units)
        if (isinstance(value, str) and value.startswith("=")) or (
            column.kind == "amount" and value is not None
        ):
            # Text that starts with "=" stays text (see _rows_write); amounts keep their separators.
            cell = WriteOnlyCell(ws, value=value)
            if cell.data_type == "f":
                cell.data_type = "s"
            if column.kind == "amount":
                cell.number_format = "#,##0"
            value = cell
        row.append(value)
    return row


def catalog_export_produce(*, job, out, progress) -> str:
    """The body's whole catalog as a file job (apps.core.filejobs), for catalogs too large to write
    within a request: the same layout as `export_catalog`, streamed row by row (openpyxl write-only,
    so memory stays flat), without the drop-down lists on the header cells (their comments say the
    same choices)."""
    from apps.catalog.selectors import manage_body_list
    from apps.core.filejobs import FileJobRefused

    body = manage_body_list(user=job.requested_by).filter(pk=job.params.get("body")).first()
    if body is None:
        raise FileJobRefused(_("This body is no longer in your scope."))
    total = catalog_export_rows(body)
    units = _UnitIndex(OrgUnit.objects.filter(body=body).only("pk", "name"))
    services = list(
        SubService.objects.filter(body=body).prefetch_related("stages", "documents", "fees").order_by("code")
    )
    workbook = Workbook(write_only=True)
    parts: list[tuple[Sheet, Callable]] = [
        (SERVICES, lambda s: [s]),
        (STAGES, lambda s: s.stages.all()),
        (DOCUMENTS, lambda s: s.documents.all()),
        (FEES, lambda s: s.fees.all()),
    ]
    done = 0
    for sheet, rows_of in parts:
        ws = _stream_sheet(workbook, sheet)
        for service in services:
            for obj in rows_of(service):
                ws.append(_stream_row(ws, sheet, _fields(obj, sheet, service.code), units))
                done += 1
                if done % EXPORT_BATCH == 0:
                    progress(done, max(total, done))
    workbook.save(out)
    progress(done, done)
    return f"catalog-{body.pk}-{timezone.localdate().isoformat()}.xlsx"


def catalog_template() -> bytes:
    """An empty catalog workbook: the headers and one example row on each sheet."""
    workbook = _new_workbook()
    code = "11010010001"
    workbook["services"].append(
        [
            code,
            "صدور پروانه کسب",
            "صدور پروانه کسب برای متقاضیان واجد شرایط",
            "G2B",
            CHANNELS.labels["hybrid"],
            REASONS.labels["law"],
            "بازدید محلی از واحد صنفی لازم است",
            "https://example.ir/eservice",
            "ساری، بلوار پاسداران، ساختمان شماره ۲",
            10,
            AVERAGE_UNITS.labels["working_day"],
            "مریم احمدی",
            "011-33334444",
            "ثبت شکایت در سامانه ۱۱۱ یا دفتر مدیرکل",
            YES_NO.labels["yes"],
        ]
    )
    workbook["stages"].append(
        [
            code,
            1,
            "بررسی مدارک",
            "اداره صدور مجوزها",
            "کارشناس صدور مجوز",
            2,
            STAGE_UNITS.labels["working_day"],
        ]
    )
    workbook["documents"].append(
        [code, "تصویر کارت ملی", DOCUMENT_FORMS.labels["copy"], YES_NO.labels["yes"]]
    )
    workbook["fees"].append(
        [code, "هزینه صدور پروانه", 1500000, "IR820170000000123456789012", "ماده ۲ قانون نظام صنفی"]
    )
    workbook["fees"]["C2"].number_format = "#,##0"
    return _as_bytes(workbook)
