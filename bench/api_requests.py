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

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()


from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.desk_load import measure, real_codes, run_at_scales  # noqa: E402


def measure_calls(runs: int) -> list[tuple[str, tuple[float, float, set[int]]]]:
    """The median and p95 ms and the query counts of each call."""
    from apps.api.keys import api_key_issue
    from apps.api.models import ApiKey, Scope
    from apps.orgs.models import OrgUnit

    unit = OrgUnit.objects.get(name="اداره کل راه و شهرسازی مازندران")
    raw = api_key_issue(ApiKey(name="bench", unit=unit, scopes=[Scope.REQUESTS_READ, Scope.CATALOG_READ]))
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT s.code FROM catalog_subservice s JOIN desk_servicerequest r ON r.service_id = s.id "
                    "LIMIT 1")
        service_code = cur.fetchone()[0]
    codes = real_codes()
    client = Client()
    key = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    return [
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
    run_at_scales(__doc__.splitlines()[0], measure_calls, runs=60, what="call")


if __name__ == "__main__":
    main()
