"""Annex 3 of guide 1 (seed 002): the bimonthly summary tables of the service-desk audit.

- Table 2 (جدول ۲), sent by each body's headquarters to the national organisation: body, parent
  body, total services (G2C and G2B) and how many are delivered in person, electronically, both, or
  outside the desk — one row per body that has a national headquarters.
- Table 1 (جدول ۱), sent by the provincial planning organisation to the national organisation and the
  provincial council: the same for every body with units in the province, with the evaluator's two
  ratios of annex 2 §1 (b/a and (c+d)/a), the services whose declared channel the evaluator found
  false, and the evaluator's §2 ratings — from the verified forms of that bimonth's audit round.

Channel counts come from the catalog (active services created before the end of the bimonth); the
evaluator's figures only from verified forms, summed per body in SQL.
"""

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from apps.audits.models import AuditForm, AuditServiceRow, AuditSpaceItem
from apps.catalog.models import Channel, ServiceType, SubService
from apps.core.jalali import Period
from apps.orgs.models import Body, OrgUnit, Province
from apps.reports.figures import channel_block, pct, r1
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


def _catalog_by_body(bodies, end) -> dict[int, dict]:
    rows = (
        SubService.objects.filter(active=True, created_at__lt=end, body__in=bodies)
        .order_by()
        .values("body_id")
        .annotate(
            total=Count("pk"),
            in_person=Count("pk", filter=Q(channel=Channel.IN_PERSON)),
            electronic=Count("pk", filter=Q(channel=Channel.ELECTRONIC)),
            hybrid=Count("pk", filter=Q(channel=Channel.HYBRID)),
            outside=Count("pk", filter=Q(channel=Channel.OUTSIDE)),
            g2c=Count("pk", filter=Q(service_type=ServiceType.G2C)),
            g2b=Count("pk", filter=Q(service_type=ServiceType.G2B)),
        )
    )
    return {row.pop("body_id"): row for row in rows}


_ZERO = {"total": 0, "in_person": 0, "electronic": 0, "hybrid": 0, "outside": 0, "g2c": 0, "g2b": 0}


def _rows(bodies, end) -> list[dict]:
    counts = _catalog_by_body(bodies.values("pk"), end)
    return [
        {
            "id": body["pk"],
            "name": body["name_fa"],
            "parent": body["parent__name_fa"] or "",
            **channel_block(counts.get(body["pk"], _ZERO)),
        }
        for body in bodies.order_by("name_fa", "pk").values("pk", "name_fa", "parent__name_fa")
    ]


def _totals(rows: list[dict]) -> dict:
    keys = ("total", "in_person", "electronic", "hybrid", "outside", "g2c", "g2b")
    return channel_block({key: sum(row[key] for row in rows) for key in keys})


def table2_bodies(bodies=None):
    """Bodies that report table 2: those with a national headquarters (narrowed to `bodies`)."""
    qs = Body.objects.filter(pk__in=OrgUnit.objects.filter(level=OrgUnit.Level.HQ).values("body_id"))
    return qs if bodies is None else qs.filter(pk__in=bodies.values("pk"))


def table2(*, period: Period | str, bodies=None, hq_only: bool = True) -> dict:
    """Annex 3 table 2 for the bimonth: one row per body with a headquarters (in `bodies` when given;
    every body of `bodies` when not `hq_only`)."""
    period = bimonth(period)
    _start, end = period.bounds()
    rows = _rows(table2_bodies(bodies) if hq_only else bodies, end)
    return {"title": TABLE2_TITLE, "period": str(period), "rows": rows, "totals": _totals(rows)}


# --- the evaluator's figures ----------------------------------------------------------------------


def _verified(period: Period):
    return AuditForm.objects.filter(
        round__year=period.year, round__number=period.number, state=AuditForm.State.VERIFIED
    )


def evaluator_by_body(forms) -> dict[int, dict]:
    """Per body, over its verified forms: the §1 ratios pooled over the declared rows, the number of
    services with a false channel, and each §2 item's mean evaluator rating (two grouped queries)."""
    rows = (
        AuditServiceRow.objects.filter(form__in=forms.values("pk"))
        .order_by()
        .values("form__body_id")
        .annotate(
            a=Count("pk"),
            b=Count("pk", filter=Q(channel=Channel.IN_PERSON)),
            cd=Count("pk", filter=Q(channel__in=[Channel.ELECTRONIC, Channel.HYBRID])),
            false=Count("pk", filter=Q(channel_false=True)),
            forms=Count("form_id", distinct=True),
        )
    )
    result: dict[int, dict] = {}
    for row in rows:
        result[row["form__body_id"]] = {
            "forms": row["forms"],
            "ratio_in_person": pct(row["b"], row["a"]),
            "ratio_electronic": pct(row["cd"], row["a"]),
            "false_channel": row["false"],
            "space": {},
            "space_score": None,
        }
    forms_per_body = forms.order_by().values("body_id").annotate(n=Count("pk"))
    for row in forms_per_body:
        result.setdefault(
            row["body_id"],
            {
                "forms": 0,
                "ratio_in_person": None,
                "ratio_electronic": None,
                "false_channel": 0,
                "space": {},
                "space_score": None,
            },
        )["forms"] = row["n"]
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
    `bodies` when given), catalog counts, and the evaluator's figures from verified forms of the
    round at units in the province."""
    period = bimonth(period)
    province_id = getattr(province, "pk", province)
    _start, end = period.bounds()
    qs = Scope(Scope.PROVINCE, province_id).bodies()
    if bodies is not None:
        qs = qs.filter(pk__in=bodies.values("pk"))
    rows = _rows(qs, end)
    evaluation = evaluator_by_body(_verified(period).filter(unit__province_id=province_id))
    empty = {
        "forms": 0,
        "ratio_in_person": None,
        "ratio_electronic": None,
        "false_channel": 0,
        "space": {},
        "space_score": None,
    }
    for row in rows:
        row["evaluation"] = evaluation.get(row["id"], empty)
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
    forms of the territory were verified, and the pooled evaluator figures; None without rounds."""
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
    channels = AuditServiceRow.objects.filter(form__in=verified.values("pk")).aggregate(
        a=Count("pk"),
        b=Count("pk", filter=Q(channel=Channel.IN_PERSON)),
        cd=Count("pk", filter=Q(channel__in=[Channel.ELECTRONIC, Channel.HYBRID])),
        false=Count("pk", filter=Q(channel_false=True)),
    )
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
        "ratio_in_person": pct(channels["b"], channels["a"]),
        "ratio_electronic": pct(channels["cd"], channels["a"]),
        "false_channel": channels["false"],
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
