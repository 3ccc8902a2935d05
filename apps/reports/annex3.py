"""Annex 3 of guide 1 (seed 002): the bimonthly summary tables of the service-desk audit.

- Table 2 (جدول ۲), sent by each body's headquarters to the national organisation: body, parent
  body, total services (G2C and G2B) and how many are delivered in person, electronically, both, or
  outside the desk. Its rows are every body with a national headquarters and the bodies under such
  a body (a provincial directorate under its ministry): the headquarters reports for its whole
  organisation, which is what the "parent body" column is for.
- Table 1 (جدول ۱), sent by the provincial planning organisation to the national organisation and the
  provincial council: the same for every body with units in the province, with the evaluator's two
  ratios of annex 2 §1 (b/a and (c+d)/a), the services whose declared channel the evaluator found
  false, and the evaluator's §2 ratings.

One source for every figure of a row: the §1 rows of the body's forms of that bimonth's round that
an evaluator verified — as verified, so with the body's corrections after a return. The counts
a (all), b (in person), c (electronic), d (hybrid), e (outside) and G2C / G2B are counted per body
in SQL, and the ratios are computed from those very counts (b/a is the b printed over the a
printed). Table 1 reads the body's verified forms at units in the province, table 2 those at any
of its units; a service declared on two verified forms (two units of one body) counts on each.

A body with no verified form in the round gets an empty row (no count, no ratio) marked as such;
beside it, for information only, how many services its catalog held on the bimonth's last day
(`catalog_total`, apps.catalog.selectors.service_states_on), which enters no total and no ratio.
The totals sum the rows with a verified form.
"""

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from apps.audits.models import AuditForm, AuditServiceRow, AuditSpaceItem
from apps.catalog.selectors import service_states_on
from apps.core.jalali import Period
from apps.orgs.models import Body, OrgUnit, Province
from apps.reports.figures import CHANNEL_COUNTS, channel_block, channel_counts, r1
from apps.reports.scopes import Scope

TABLE2_TITLE = "جدول ۲- قالب ارسال اطلاعات توسط ستاد مرکزی دستگاه‌های اجرایی به سازمان اداری و استخدامی کشور"
TABLE1_TITLE = (
    "جدول ۱- قالب ارسال اطلاعات توسط سازمان مدیریت و برنامه‌ریزی استان به سازمان اداری و استخدامی کشور "
    "و شورای راهبری توسعه مدیریت استان"
)

# The official column headers of annex 3 (seed 002), used verbatim by the screen, the PDF and Excel.
H_BODY = "عنوان دستگاه"
H_PARENT = "عنوان دستگاه اصلی"
H_TOTAL = "تعداد کل خدمات (G2C و G2B)"
H_DELIVERED_IN = "تعداد خدمات ارائه شده در"
H_IN_PERSON = "میز خدمت حضوری"
H_ELECTRONIC = "میز خدمت الکترونیکی"
H_HYBRID = "ترکیب میز خدمت حضوری و الکترونیکی"
H_OUTSIDE = "خارج از میز خدمت (مراجعه مستقیم به واحدهای سازمانی)"
H_EVALUATION = "نتایج ارزیابی"
H_RATIO_IN_PERSON = "نسبت خدمات میز خدمت حضوری به کل خدمات (b/a، درصد)"
H_RATIO_ELECTRONIC = "نسبت خدمات الکترونیکی و الکترونیکی-حضوری به کل خدمات ((c+d)/a، درصد)"
H_FALSE = "خدمات با محل ارائه مغایر اظهارات"
H_SPACE = "ارزیابی عمومی استقرار فضای میز خدمت (بخش ۲)"
SPACE_ITEMS = {
    1: "فضای مناسب برای ارائه خدمت",
    2: "فعالیت پیوسته در طول هفته",
    3: "کارشناسان مطلع، شایسته، ماهر و پاسخگو",
    4: "کارشناس راهنمای ارباب رجوع",
}
H_FORMS = "فرم‌های صحه‌گذاری‌شده"
RATING_LABELS = {100: "بسیار عالی", 75: "خوب", 50: "متوسط", 25: "ضعیف", 0: "عدم استقرار"}
CHANNEL_KEYS = ("in_person", "electronic", "hybrid", "outside")

_RATED = ~Q(evaluator_rating="")
_POINTS = Case(
    *(
        When(evaluator_rating=rating, then=Value(points))
        for rating, points in AuditSpaceItem.RATING_POINTS.items()
    ),
    output_field=IntegerField(),
)


def bimonth(period: Period | str) -> Period:
    period = Period.parse(period) if isinstance(period, str) else period
    if period.kind != "B":
        raise ValueError("Annex 3 tables are bimonthly: give a period such as 1405-B3.")
    return period


COUNT_KEYS = tuple(CHANNEL_COUNTS)
# The row of a body without a verified form: nothing is counted, so nothing is printed.
_BLANK = dict.fromkeys(channel_block(dict.fromkeys(COUNT_KEYS, 0)), None)


def _catalog_totals(bodies, day) -> dict[int, int]:
    """For information beside an empty row: how many services each body's catalog held on `day`."""
    rows = service_states_on(day, bodies=bodies).order_by().values("service__body_id").annotate(n=Count("pk"))
    return {row["service__body_id"]: row["n"] for row in rows}


def _rows(bodies, forms, period: Period) -> list[dict]:
    """One row per body: its verified forms' §1 counts and ratios, or an empty row."""
    evaluation = evaluator_by_body(forms)
    catalog = _catalog_totals(bodies.values("pk"), period.end)
    rows = []
    for body in bodies.order_by("name_fa", "pk").values("pk", "name_fa", "parent__name_fa"):
        e = evaluation.get(body["pk"])
        rows.append(
            {
                "id": body["pk"],
                "name": body["name_fa"],
                "parent": body["parent__name_fa"] or "",
                "verified": e is not None,
                "forms": e["forms"] if e else 0,
                "catalog_total": catalog.get(body["pk"], 0),
                **(e["counts"] if e else _BLANK),
                "evaluation": e or _EMPTY_EVALUATION,
            }
        )
    return rows


def _totals(rows: list[dict]) -> dict:
    """The sums of the rows with a verified form, with the ratios of those sums."""
    verified = [row for row in rows if row["verified"]]
    return channel_block({key: sum(row[key] for row in verified) for key in COUNT_KEYS})


def table2_bodies(bodies=None):
    """Bodies that report table 2: those with a national headquarters and the bodies under them
    (two levels down), narrowed to `bodies` when given."""
    with_hq = OrgUnit.objects.filter(level=OrgUnit.Level.HQ).values("body_id")
    qs = Body.objects.filter(Q(pk__in=with_hq) | Q(parent__in=with_hq) | Q(parent__parent__in=with_hq))
    return qs if bodies is None else qs.filter(pk__in=bodies.values("pk"))


def table2(*, period: Period | str, bodies=None, hq_only: bool = True) -> dict:
    """Annex 3 table 2 for the bimonth from the verified forms of the round: one row per body of
    table2_bodies (in `bodies` when given; every body of `bodies` when not `hq_only`)."""
    period = bimonth(period)
    qs = table2_bodies(bodies) if hq_only else bodies
    forms = _verified(period).filter(body__in=qs.values("pk"))
    rows = _rows(qs, forms, period)
    return {
        "title": TABLE2_TITLE,
        "period": str(period),
        "rows": rows,
        "totals": _totals(rows),
        "forms_verified": sum(row["forms"] for row in rows),
    }


# --- the evaluator's figures ----------------------------------------------------------------------


def _verified(period: Period):
    return AuditForm.objects.filter(
        round__year=period.year, round__number=period.number, state=AuditForm.State.VERIFIED
    )


_EMPTY_EVALUATION = {
    "forms": 0,
    "ratio_in_person": None,
    "ratio_electronic": None,
    "false_channel": 0,
    "space": {},
    "space_score": None,
}


def evaluator_by_body(forms) -> dict[int, dict]:
    """Per body with a form among `forms` (verified ones): the §1 counts of their rows (`counts`,
    with the two ratios computed from them), the number of services with a false channel, and
    each §2 item's mean evaluator rating (three grouped queries)."""
    result: dict[int, dict] = {}
    for row in forms.order_by().values("body_id").annotate(n=Count("pk")):
        counts = channel_block(dict.fromkeys(COUNT_KEYS, 0))
        result[row["body_id"]] = {**_EMPTY_EVALUATION, "forms": row["n"], "space": {}, "counts": counts}
    rows = (
        AuditServiceRow.objects.filter(form__in=forms.values("pk"))
        .order_by()
        .values("form__body_id")
        .annotate(**CHANNEL_COUNTS, false=Count("pk", filter=Q(channel_false=True)))
    )
    for row in rows:
        entry = result[row.pop("form__body_id")]
        entry["false_channel"] = row.pop("false")
        entry["counts"] = channel_block(row)
        entry["ratio_in_person"] = entry["counts"]["ratio_in_person"]
        entry["ratio_electronic"] = entry["counts"]["ratio_electronic"]
    items = (
        AuditSpaceItem.objects.filter(_RATED, form__in=forms.values("pk"))
        .order_by()
        .values("form__body_id", "item")
        .annotate(total=Sum(_POINTS), n=Count("pk"))
    )
    for row in items:
        result[row["form__body_id"]]["space"][str(row["item"])] = r1(row["total"] / row["n"])
    for entry in result.values():
        scores = list(entry["space"].values())
        entry["space_score"] = r1(sum(scores) / len(scores)) if scores else None
    return result


def rating_label(points: float | None) -> str:
    """The annex's word for a mean rating when it is exactly one of the five levels."""
    return RATING_LABELS.get(points, "") if points is not None and float(points).is_integer() else ""


def table1(*, period: Period | str, province: Province | int, bodies=None) -> dict:
    """Annex 3 table 1 of a province for the bimonth: every body with units in the province (in
    `bodies` when given), every figure from its verified forms of the round at units in the province."""
    period = bimonth(period)
    province_id = getattr(province, "pk", province)
    qs = Scope(Scope.PROVINCE, province_id).bodies()
    if bodies is not None:
        qs = qs.filter(pk__in=bodies.values("pk"))
    rows = _rows(qs, _verified(period).filter(unit__province_id=province_id), period)
    return {
        "title": TABLE1_TITLE,
        "period": str(period),
        "province": {
            "id": province_id,
            "name": Province.objects.values_list("name_fa", flat=True).get(pk=province_id),
        },
        "rows": rows,
        "totals": _totals(rows),
        "forms_verified": sum(row["evaluation"]["forms"] for row in rows),
    }


def audit_summary(*, scope: Scope, period: Period) -> dict | None:
    """For a performance report: the audit rounds whose bimonth ends inside the period, how many
    forms of the territory were verified, and the figures pooled over the verified forms' rows
    (counts and ratios from the same rows); None without rounds."""
    bimonths = [
        Period(period.year, "B", n)
        for n in range(1, 7)
        if period.start <= Period(period.year, "B", n).end <= period.end
    ]
    if not bimonths:
        return None
    rounds = Q()
    for b in bimonths:
        rounds |= Q(round__year=b.year, round__number=b.number)
    forms = AuditForm.objects.filter(rounds)
    forms = forms.filter(body_id=scope.id) if scope.level == Scope.BODY else forms.filter(scope.unit_q())
    states = forms.aggregate(
        total=Count("pk"), verified=Count("pk", filter=Q(state=AuditForm.State.VERIFIED))
    )
    if not states["total"]:
        return None
    verified = forms.filter(state=AuditForm.State.VERIFIED)
    declared = AuditServiceRow.objects.filter(form__in=verified.values("pk"))
    channels = channel_counts(declared)
    false_channel = declared.filter(channel_false=True).count()
    items = (
        AuditSpaceItem.objects.filter(_RATED, form__in=verified.values("pk"))
        .order_by()
        .values("item")
        .annotate(total=Sum(_POINTS), n=Count("pk"))
        .order_by("item")
    )
    space = [
        {"item": row["item"], "label": SPACE_ITEMS[row["item"]], "score": r1(row["total"] / row["n"])}
        for row in items
    ]
    return {
        "rounds": [str(b) for b in bimonths],
        "forms": states["total"],
        "verified": states["verified"],
        # a…e of the verified forms' §1 rows, and the two ratios computed from these counts.
        "channels": channels,
        "ratio_in_person": channels["ratio_in_person"],
        "ratio_electronic": channels["ratio_electronic"],
        "false_channel": false_channel,
        "space": space,
        "space_score": r1(sum(s["score"] for s in space) / len(space)) if space else None,
    }


def audit_report_figures(*, scope: Scope, period: Period, kind: str = "") -> dict:
    """The frozen figures of a bimonthly audit summary: table 1 for a province, table 2 for the
    country (or for one body)."""
    figures = {
        "schema": 1,
        "kind": kind,
        "period": str(period),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "scope": {"level": scope.level, "id": scope.id, "name": scope.name()},
        "table1": None,
        "table2": None,
        "audit": audit_summary(scope=scope, period=period),
    }
    if scope.level == Scope.PROVINCE:
        figures["table1"] = table1(period=period, province=scope.id)
    elif scope.level == Scope.BODY:
        figures["table2"] = table2(period=period, bodies=Body.objects.filter(pk=scope.id), hq_only=False)
    elif scope.level == Scope.COUNTY:
        raise ValueError("Audit summaries are compiled for the country, a province or a body.")
    else:
        figures["table2"] = table2(period=period)
    return figures
