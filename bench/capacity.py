"""Capacity model of a deployment beyond one machine, from the figures the benches measured.

    .venv/bin/python bench/capacity.py                      # README's latest figures, the default demand
    .venv/bin/python bench/capacity.py --requests-per-body 40000 --province-weight 4
    .venv/bin/python bench/capacity.py --help               # every input, its default and its source

Standard library only, no database. Each measured input is an option whose default is the figure
README.md's "Performance (bench/)" records, and whose help names the bench command that printed it;
each demand input is an assumption, and its help says so. The model is the table of formulas MODEL,
worked out in order for a province and for the nation; each line is printed as "name = the formula
with its numbers = result", so what is printed is what was computed. docs/capacity.md explains it.
"""

import argparse
import math
import re

PUBLIC = "bench/public_pages.py, 2 gunicorn sync workers"
DESK = "bench/desk_load.py --requests 1000000 --runs 40"
FEEDBACK = "bench/feedback_dashboards.py --scale 1"
MEASURED = (  # option, default, where the figure comes from
    ("node-cores", 2, "cores of the benched node: every figure here was taken on 2 cores"),
    ("bare-rps", 3949, f"a bare Django view, requests/s: {PUBLIC}"),
    ("track-rps", 1035, f"/track/?code=… (page cache), requests/s: {PUBLIC}"),
    ("catalog-rps", 1132, f"/services/, the slower catalog page, requests/s: {PUBLIC}"),
    ("rating-rps", 1247, f"/q/<token>, requests/s: {PUBLIC}"),
    ("survey-rps", 983, f"/feedback/survey/<code>/ with the citizen's session, requests/s: {PUBLIC}"),
    ("track-miss-queries", 2, f"queries of a tracking page rendered afresh (0 from the cache): {DESK}"),
    ("inbox-ms", 13.7, f"officer inbox, ms in-process at 1,000,000 requests: {DESK}"),
    ("dashboard-ms", 53.0, f"clerk dashboard, ms: {DESK}"),
    ("list-ms", 38.7, f"request list, ms: {DESK}"),
    ("request-ms", 20.6, f"request page, ms: {DESK}"),
    ("staff-queries", 10, f"mean queries of those four pages (8, 13, 6, 12-14): {DESK}"),
    ("api-ms", 12.8, "/api/v1/requests/<code>/, ms: bench/api_requests.py --requests 1000000"),
    ("api-queries", 3, "its queries: bench/api_requests.py --requests 1000000"),
    ("pdf-ms", 73, "a receipt or response PDF, mean of the two medians: bench/request_pdfs.py"),
    ("card-ms", 7.6, "ms a card in a sheet of 1,000: bench/qr_cards.py"),
    ("code-ms", 4.3, "ms to issue a code and draw its picture: bench/qr_cards.py"),
    ("dash-ms", 120, f"a province's dashboard page, ms: {FEEDBACK}"),
    ("dash-queries", 14, f"its figures' queries: {FEEDBACK}"),
    ("report-s", 5.25, "a report, PDF and Excel, 10,000 requests: bench/reports_national.py --scale 0.01"),
    ("national-report-s", 26.7, "the national half-year, PDF and Excel: bench/reports_national.py --scale 1"),
    ("national-report-requests", 1_000_000, "requests a year behind that figure (beyond it: linear)"),
    ("audit-pdf-s", 2.0, "an audit form's PDF, 1-3 s of layout: README, Printing"),
)
DEMAND = (
    ("provinces", 31, "SPEC §2: the 31 provinces"),
    ("bodies-per-province", 40, "assumption: the benches' tree, 40 ministries with a directorate in each"),
    ("bodies", 1280, "assumption: the nation, 40 x 31 directorates + 40 headquarters, as the benches"),
    ("counties", 450, "assumption: a little over 400 counties in Iran, rounded up"),
    ("province-weight", 1.0, "the province's load against the average province (1: mid-size)"),
    ("requests-per-body", 20_000, "assumption: 80 a working day at a desk of 3-4 counters"),
    ("working-days", 250, "365 - 52 Fridays - about 25 holidays - some Thursdays off"),
    ("peak-share", 0.25, "assumption: a day's share in its busiest hour (of 7 office hours: 1/7 if even)"),
    ("tracking", 4.0, "tracking lookups per request: assumption, about one per SMS with a link"),
    ("track-hits", 0.5, "share of lookups the page cache answers: assumption (a change, an SMS, a visit)"),
    ("catalog", 2.0, "catalog pages per request: assumption"),
    ("ratings", 1.0, "QR scans per request, each a rating page and a rating: assumption"),
    ("surveys", 0.3, "questionnaires answered per request: assumption"),
    ("staff-pages", 15.0, "staff pages and POSTs per request, intake to delivery (or e-desk): assumption"),
    ("pdfs", 2.0, "PDFs rendered in a web request per request (receipt, response): assumption"),
    ("api-calls", 1.0, "integration API calls per request: assumption"),
    ("sms", 4.0, "SMS per request (registered, response ready, delivered, one more): assumption"),
    ("sms-s", 0.5, "seconds a gateway call holds a worker process: assumption (SMS_TIMEOUT caps it: 10)"),
    ("dash-per-day", 2.0, "dashboard views per body per working day: assumption"),
    ("report-window-h", 6.0, "hours for a night's compilations: beat's 01:30 to WORKDAY_START 07:30"),
    ("qr-sheets", 1.0, "QR card sheets per body per quarter: assumption"),
    ("cards-per-sheet", 30, "cards a sheet, a unit's staff who serve clients: assumption"),
    ("print-days", 5, "working days in which a quarter's sheets are asked for: assumption"),
    ("scans", 1.5, "scans stored per request: assumption"),
    ("scan-mb", 0.5, "MB an average scan: assumption (at most 5, apps/core/uploads.py; photos re-encoded)"),
    ("db-kb", 20.0, "database KB a request (stages, history, SMS, answers, rollups, indexes): assumption"),
    ("report-mb", 0.5, "MB of PDF and Excel a compiled report: assumption"),
)
SIZING = (
    ("headroom", 0.6, "run every part at most at this share of its measured capacity"),
    ("min-nodes", 2, "web nodes at least, so that one may fail"),
    ("web-concurrency", 5, "gunicorn workers a node (WEB_CONCURRENCY's default on 2 cores: 2 x 2 + 1)"),
    ("write-queries", 15, "queries of a citizen's write (a rating, a questionnaire): assumption"),
    ("pdf-queries", 5, "queries of a receipt or response PDF: assumption"),
    ("redis-public", 2, "Redis trips of a public page: a rate-limit count, the page (core/pagecache.py)"),
    ("redis-staff", 2, "Redis trips of a staff page (the session is cached_db) or PDF: assumption"),
    ("redis-write", 5, "Redis trips of a write (limit, session, two version bumps, a message): assumption"),
    ("redis-task", 4, "Redis operations of a Celery task (publish, fetch, ack): assumption"),
    ("db-core-qps", 2000, "queries/s one PostgreSQL core answers: assumption, not measured here"),
    ("db-cores", 8, "cores of the PostgreSQL primary: assumption"),
    ("redis-ops-limit", 50_000, "ops/s one Redis (one thread) is planned for: assumption"),
)

# Worked out in order; `bodies`, `counties`, `areas` (provinces reported on) and `national` (1 for the
# nation: its half-year compilation) come from the scope. A line "name = formula  # label"; "--" heads.
MODEL = """
yearly = bodies * requests_per_body  # requests a year
peak = yearly / working_days * peak_share / 3600  # requests registered /s at peak
-- web nodes: views/s at peak, and the share of one node's capacity they take
http_ms = node_cores * 1000 / bare_rps  # a request's cost besides its view (ms)
staff_ms = (inbox_ms + dashboard_ms + list_ms + request_ms) / 4 + http_ms  # ms a staff page costs a node
track_views = tracking * peak  # tracking /track/ (views/s)
track_load = track_views / track_rps  #   share of a node
catalog_views = catalog * peak  # catalog /services/
catalog_load = catalog_views / catalog_rps  #   share of a node
rating_views = ratings * peak  # rating page /q/<token>
rating_load = rating_views / rating_rps  #   share of a node
survey_views = surveys * peak  # survey form
survey_load = survey_views / survey_rps  #   share of a node
write_views = (ratings + surveys) * peak  # citizens' writes (ratings, answers)
write_load = write_views * staff_ms / (node_cores * 1000)  #   share of a node, at a staff page's cost
staff_views = staff_pages * peak  # staff pages and POSTs
staff_load = staff_views * staff_ms / (node_cores * 1000)  #   share of a node
pdf_views = pdfs * peak  # PDFs (receipt, response)
pdf_load = pdf_views * (pdf_ms + http_ms) / (node_cores * 1000)  #   share of a node
api_views = api_calls * peak  # API /api/v1/
api_load = api_views * (api_ms + http_ms) / (node_cores * 1000)  #   share of a node
dash_views = bodies * dash_per_day * peak_share / 3600  # dashboards
dash_load = dash_views * (dash_ms + http_ms) / (node_cores * 1000)  #   share of a node
load = track_load + catalog_load + rating_load + survey_load + write_load + staff_load + pdf_load
    + api_load + dash_load  # nodes' worth of work at peak
nodes = max(min_nodes, ceil(load / headroom))  # web nodes
-- Celery worker processes per queue
sms_busy = peak * sms * sms_s  # notifications: processes busy at peak
sms_procs = max(1, ceil(sms_busy / headroom))  # notifications
reports = bodies + counties + areas  # reports a quarter (body, county, province)
national_s = national * national_report_s * max(1, yearly / national_report_requests)  # national half-year (s)
night = reports * report_s + national_s  # a quarter's night of compilations (s)
report_procs = max(1, ceil(night / (report_window_h * 3600 * headroom)))  # reports
cards = bodies * qr_sheets * cards_per_sheet  # QR cards a quarter
print_s = cards * (card_ms + code_ms) / 1000 + bodies * 1.5 * audit_pdf_s  # printing a quarter (s)
print_busy = print_s / print_days * peak_share / 3600  # printing: processes busy at peak
print_procs = max(1, ceil(print_busy / headroom))  # printing
workers = sms_procs + report_procs + print_procs + 1  # processes, one for the default queue
-- PostgreSQL and Redis at peak (a page from the page cache costs no query)
qps = track_views * (1 - track_hits) * track_miss_queries + write_views * write_queries
    + staff_views * staff_queries + pdf_views * pdf_queries + api_views * api_queries
    + dash_views * dash_queries  # queries/s
db_need = qps / db_core_qps / headroom  # the primary's cores
connections = nodes * web_concurrency + workers + 1  # connections, beat's included
redis = (track_views + catalog_views + rating_views + survey_views + api_views) * redis_public
    + (staff_views + pdf_views + dash_views) * redis_staff + write_views * redis_write
    + peak * sms * redis_task  # Redis ops/s
-- storage a year
bucket_tb = (yearly * scans * scan_mb + reports * 4 * report_mb) / 1e6  # bucket (TB)
db_gb = yearly * db_kb / 1e6  # database (GB)
-- how many times this demand each part takes before it is full (100 % of its capacity)
full_web = nodes / load  # web nodes
full_sms = sms_procs / sms_busy  # notifications workers
full_reports = report_procs * report_window_h * 3600 / night  # reports workers
full_print = print_procs / print_busy  # printing workers
full_db = db_cores * db_core_qps / qps  # PostgreSQL primary
full_redis = redis_ops_limit / redis  # Redis
"""
ACTIONS = {
    "full_web": "add a web node behind the load balancer",
    "full_sms": "add notifications processes (they wait on the SMS gateway, not on a core)",
    "full_reports": "add reports processes; the compilations are SQL, so watch the primary",
    "full_print": "add printing processes",
    "full_db": "a larger primary; then reports and dashboards read from the replica (needs a router)",
    "full_redis": "a Redis of its own for the broker (CELERY_BROKER_URL) apart from the cache (REDIS_URL)",
}
FUNCTIONS = {"__builtins__": {}, "max": max, "ceil": math.ceil}


def n(x: float) -> str:
    """A number as the output shows it: whole numbers with separators, others to three figures."""
    if float(x).is_integer() or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.3g}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for title, options in (("measured", MEASURED), ("demand", DEMAND), ("sizing", SIZING)):
        group = p.add_argument_group(title)
        for name, default, source in options:
            group.add_argument(
                f"--{name}", type=type(default), default=default, metavar="N", help=f"{source} ({default})"
            )
    return p


def scope_model(inputs: dict, title: str, out) -> dict:
    """Work MODEL out for one scope; print each line with its numbers; return every value."""
    values, labels = dict(inputs), {}
    out(f"\n== {title}: {n(values['bodies'])} bodies, {n(values['counties'])} counties")
    for line in re.sub(r"\n\s+\+", " +", MODEL).strip().splitlines():
        if line.startswith("--"):
            out(line)
            continue
        formula, _, label = line.partition("  # ")
        name, expression = formula.split(" = ", 1)
        labels[name] = label.strip()
        values[name] = eval(expression, FUNCTIONS, values)  # noqa: S307 - MODEL's own formulas over numbers
        numbers = re.sub(r"\b[a-z_]\w*\b", lambda m: n(values[m[0]]) if m[0] in values else m[0], expression)
        out(f"  {label:<42} {name} = {numbers.replace(' * ', ' x ')} = {n(values[name])}")
    first = min(ACTIONS, key=values.get)
    ceiling = min(("full_db", "full_redis"), key=values.get)
    out(f"  first full: {labels[first]}, at {n(values[first])} x this demand: {ACTIONS[first]}")
    out(
        f"  first that no added machine fixes: {labels[ceiling]}, at {n(values[ceiling])} x: {ACTIONS[ceiling]}"
    )
    return {**values, "first": first, "ceiling": ceiling}


def main(argv: list[str] | None = None, out=print) -> dict:
    a = vars(parser().parse_args(argv))
    w = a["province_weight"]
    province = {
        **a,
        "bodies": a["bodies_per_province"] * w,
        "counties": a["counties"] / a["provinces"] * w,
        "areas": 1,
        "national": 0,
    }
    nation = {**a, "areas": a["provinces"], "national": 1}
    return {
        "province": scope_model(province, f"a province (weight {w})", out),
        "nation": scope_model(nation, "the nation", out),
    }


if __name__ == "__main__":
    main()
