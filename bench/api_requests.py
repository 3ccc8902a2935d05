"""Open311 and /api/v1/ reads at 1,000,000 requests: median and p95 server time and the query count
of request listings and single-request reads (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres service_desk_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_desk_bench \\
        .venv/bin/python bench/api_requests.py --requests 1000000

The requests are loaded as bench/desk_load.py loads them (inside PostgreSQL, spread over 700 days, so
the default 90-day window of Open311 holds about 130,000 of them). --skip-load measures an existing
load. Times are in-process (Django's test client), without the network. It loads and measures 1 %,
10 % and 100 % of --requests in turn (--scale, repeated, chooses other shares) and prints how each
call's median grows (bench.timing.growth_print): listings and single reads should stay flat.
"""

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()


from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.desk_load import load, measure, real_codes  # noqa: E402
from bench.timing import growth_print  # noqa: E402


def measure_calls(runs: int) -> tuple[int, list[tuple[str, tuple[float, float, set[int]]]]]:
    """The number of requests loaded, and the median and p95 ms and the query counts of each call."""
    from apps.api.keys import api_key_issue
    from apps.api.models import ApiKey, Scope
    from apps.orgs.models import OrgUnit

    unit = OrgUnit.objects.get(name="اداره کل راه و شهرسازی مازندران")
    raw = api_key_issue(ApiKey(name="bench", unit=unit, scopes=[Scope.REQUESTS_READ, Scope.CATALOG_READ]))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM desk_servicerequest")
        total = cur.fetchone()[0]
        cur.execute("SELECT DISTINCT s.code FROM catalog_subservice s JOIN desk_servicerequest r ON r.service_id = s.id "
                    "LIMIT 1")
        service_code = cur.fetchone()[0]
    codes = real_codes()
    client = Client()
    key = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    return total, [
        ("open311 requests.json (90 days, 100)", measure(client, "/open311/v2/requests.json", runs)),
        ("open311 requests.json page 50", measure(client, "/open311/v2/requests.json?page=50", runs)),
        ("open311 requests.json status=open", measure(client, "/open311/v2/requests.json?status=open", runs)),
        ("open311 requests.json service_code=…",
         measure(client, f"/open311/v2/requests.json?service_code={service_code}", runs)),
        ("open311 requests.xml (90 days, 100)", measure(client, "/open311/v2/requests.xml", runs)),
        ("open311 requests/{id}.json",
         measure(client, lambda: f"/open311/v2/requests/{random.choice(codes)}.json", runs)),
        ("api/v1/requests/ (50, cursor)", measure(client, "/api/v1/requests/", runs, **key)),
        ("api/v1/requests/?status=in_progress", measure(client, "/api/v1/requests/?status=in_progress", runs, **key)),
        ("api/v1/requests/{code}/", measure(client, lambda: f"/api/v1/requests/{random.choice(codes)}/", runs, **key)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--scale", type=float, action="append",
        help="a share of --requests to load and measure (repeatable; default 0.01, 0.1 and 1); "
             "the growth of each call's median is printed at the end",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it will be filled with synthetic data).")
    call_command("migrate", verbosity=0)
    from django.conf import settings
    from django.core.cache import cache

    settings.RATELIMIT_ENABLE = False
    growth = []
    for scale in [1.0] if args.skip_load else sorted(args.scale or [0.01, 0.1, 1.0]):
        if not args.skip_load:
            load(int(args.requests * scale))
        # As bench/desk_load.py: no answer or rate-limit count of the previous size carries over.
        cache.clear()
        total, rows = measure_calls(args.runs)
        growth.append((total, rows))
        print(f"\n{total:,} requests, {args.runs} runs each (server time in-process)")
        print(f"{'call':<44} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
        for name, (median, p95, counts) in rows:
            print(f"{name:<44} {median:>10.1f} {p95:>10.1f} {'/'.join(map(str, sorted(counts))):>8}")
    growth_print(
        "server time of each call (median), by requests loaded",
        [total for total, _rows in growth],
        [(name, [rows[i][1][0] for _total, rows in growth]) for i, (name, _figures) in enumerate(growth[0][1])],
        unit="ms",
    )


if __name__ == "__main__":
    main()
