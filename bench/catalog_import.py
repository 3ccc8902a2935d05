"""Time the Excel import of a large catalog: a new body's services created, then re-imported unchanged,
at 1 %, 10 % and 100 % of n services (a body each), and print how each time grows (bench.timing.growth_print).

    .venv/bin/python bench/catalog_import.py            # 2000 services on a throwaway SQLite file
    .venv/bin/python bench/catalog_import.py 500
    DATABASE_URL=postgres://… .venv/bin/python bench/catalog_import.py   # leaves "bench" bodies behind

Each service has two stages, two documents and a fee, as a typical provincial catalog does.
"""

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.throwaway import django_setup

THROWAWAY = django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from apps.catalog.excel import SHEETS, export_catalog, import_catalog  # noqa: E402
from apps.orgs.models import Body, OrgUnit, Province  # noqa: E402
from bench.timing import growth_print, timed  # noqa: E402


def workbook(n: int, units: list[str]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {s.name: wb.create_sheet(s.name) for s in SHEETS}
    for s in SHEETS:
        sheets[s.name].append(s.headers)
    for i in range(n):
        code = str(1_000_000 + i)
        sheets["services"].append(
            [code, f"خدمت شماره {i}", "شرح خدمت", "G2C", "میز خدمت حضوری", "الزام قانونی به حضور", "",
             "", "ساری، خیابان امام", 5, "روز کاری", "مریم احمدی", "09120000000", "دفتر مدیرکل", "بله"]
        )  # fmt: skip
        sheets["stages"].append([code, 1, "پذیرش", units[i % len(units)], "کارشناس", 1, "روز کاری"])
        sheets["stages"].append([code, 2, "بررسی", units[(i + 1) % len(units)], "رئیس اداره", "۴", "ساعت"])
        sheets["documents"].append([code, "تصویر کارت ملی", "تصویر", "بله"])
        sheets["documents"].append([code, "اصل شناسنامه", "اصل", "خیر"])
        sheets["fees"].append(
            [code, "هزینه صدور", "۱٬۵۰۰٬۰۰۰", "IR820170000000123456789012", "ماده ۵ قانون بودجه"]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def body_with_units(province: Province, names: list[str]) -> Body:
    """A new body with a provincial unit and a department under it for each of `names`."""
    body = Body.objects.create(name_fa=f"دستگاه آزمون کارایی {time.time_ns()}", name_en="bench")
    hq = OrgUnit.objects.create(name="اداره کل", body=body, level=OrgUnit.Level.PROVINCE, province=province)
    for name in names:
        OrgUnit.objects.create(name=name, body=body, parent=hq, level=OrgUnit.Level.DEPARTMENT)
    return body


def import_measure(n: int, province: Province) -> list[tuple[str, float]]:
    """Import n services into a new body, again unchanged, export them and import the export; return
    each time in seconds."""
    names = [f"اداره {k}" for k in range(30)]
    body = body_with_units(province, names)
    print(f"\n{n} services")
    data, _ = timed(f"build workbook ({n} services)", lambda: workbook(n, names))
    print(f"{'workbook size':<34} {len(data) / 1024:7.0f} KB")
    report, create_s = timed("import: create", lambda: import_catalog(body=body, file=data, by=None))
    assert (report.created, report.failed) == (n, 0), report
    print(f"{'  per service':<34} {create_s / n * 1000:7.1f} ms")
    report, again_s = timed("import again: unchanged", lambda: import_catalog(body=body, file=data, by=None))
    assert report.unchanged == n, report
    exported, export_s = timed("export", lambda: export_catalog(body))
    report, reimport_s = timed(
        "import the export: unchanged", lambda: import_catalog(body=body, file=exported, by=None)
    )
    assert report.unchanged == n, report
    return [
        ("import: create", create_s),
        ("import again: unchanged", again_s),
        ("export", export_s),
        ("import the export: unchanged", reimport_s),
    ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    if THROWAWAY:
        call_command("migrate", verbosity=0)
    province, _ = Province.objects.get_or_create(code="IR-02", defaults={"name_fa": "مازندران"})
    sizes = sorted({max(1, n // 100), max(1, n // 10), n})
    growth = [import_measure(size, province) for size in sizes]
    growth_print(
        "catalog import and export, by services in the workbook",
        sizes,
        [(name, [rows[i][1] for rows in growth]) for i, (name, _s) in enumerate(growth[0])],
        unit="s",
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
