"""The crawl of the production smoke test (scripts/smoke.sh): every demo role logs in over HTTPS to a
portal running with DEBUG=0 under gunicorn, and follows every link it is shown; citizens' pages are
crawled without a login. It fails on any 5xx, on static files served without compression or
far-future caching, on pages not compressed, on HEAD answering differently from GET, and when the
real Celery worker does not send the SMS of a request registered through the form. With
--restart-db it restarts PostgreSQL half-way and checks that every role's pages still answer.

Run it through scripts/smoke.sh, which sets up the portal, the worker and the environment.
"""

import argparse
import base64
import html.parser
import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections import Counter, deque
from dataclasses import dataclass, field

import django
import httpx

# Paths never followed: they change state on GET or end the session.
SKIP = re.compile(r"^/(accounts/logout|admin/logout|i18n/)|/delete/|/password/")
# How many variants of one page shape (digits as N, the set of query keys) are fetched.
PER_SHAPE = 3
MAX_PAGES_PER_ROLE = 400


@dataclass
class Visit:
    url: str
    status: int
    ms: float
    kind: str


@dataclass
class Report:
    label: str
    visits: list[Visit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        codes = Counter(f"{v.status // 100}xx" for v in self.visits)
        slow = max(self.visits, key=lambda v: v.ms, default=None)
        kinds = Counter(v.kind for v in self.visits)
        slowest = f"slowest {slow.ms:.0f} ms {slow.url[:60]}" if slow else ""
        return (f"{self.label:<12} {len(self.visits):>4} pages  "
                + " ".join(f"{k}={codes[k]}" for k in ("2xx", "3xx", "4xx", "5xx"))
                + f"  ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})  {slowest}")


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        elif tag in ("script", "img") and attrs.get("src"):
            self.assets.append(attrs["src"])


def shape(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    keys = ",".join(sorted(urllib.parse.parse_qs(parts.query)))
    return re.sub(r"\d+", "N", parts.path) + "?" + keys


class Crawler:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.assets: set[str] = set()

    def client(self) -> httpx.Client:
        # The portal's certificate is self-signed for the test; Referer is what Django's CSRF check
        # wants over HTTPS.
        return httpx.Client(base_url=self.base, verify=False, timeout=120, follow_redirects=False,  # noqa: S501
                            headers={"Referer": self.base + "/", "Accept-Encoding": "gzip"})

    def local(self, href: str, current: str) -> str | None:
        absolute = urllib.parse.urljoin(self.base + current, href)
        parts = urllib.parse.urlsplit(absolute)
        if f"{parts.scheme}://{parts.netloc}" != self.base:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def crawl(self, client: httpx.Client, report: Report, start: list[str], limit: int = MAX_PAGES_PER_ROLE):
        queue, seen, shapes = deque(start), set(), Counter()
        while queue and len(report.visits) < limit:
            url = queue.popleft()
            if url in seen or SKIP.search(url) or shapes[shape(url)] >= PER_SHAPE:
                continue
            seen.add(url)
            shapes[shape(url)] += 1
            started = time.monotonic()
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                report.failures.append(f"{url}: {exc!r}")
                continue
            ms = (time.monotonic() - started) * 1000
            kind = response.headers.get("content-type", "").split(";")[0]
            report.visits.append(Visit(url, response.status_code, ms, kind))
            if response.status_code >= 500:
                report.failures.append(f"{url}: {response.status_code}")
            if response.is_redirect:
                target = self.local(response.headers["location"], url)
                if target:
                    queue.appendleft(target)
                continue
            if kind == "text/html":
                self.check_html(client, url, response, report)
                parser = Links()
                parser.feed(response.text)
                for href in parser.links:
                    target = self.local(href, url)
                    if target and target not in seen:
                        queue.append(target)
                for src in parser.assets:
                    target = self.local(src, url)
                    if target and target.startswith("/static/"):
                        self.assets.add(target)

    def check_html(self, client, url, response, report):
        if response.status_code == 200 and len(response.content) > 1000 \
                and response.headers.get("content-encoding") != "gzip":
            report.failures.append(f"{url}: HTML not compressed")
        if len(report.visits) <= 40:  # HEAD on the first pages of each crawl
            head = client.head(url)
            if head.status_code != response.status_code:
                report.failures.append(f"{url}: HEAD {head.status_code} but GET {response.status_code}")

    def check_static(self, report: Report):
        with self.client() as client:
            for url in sorted(self.assets):
                response = client.get(url)
                report.visits.append(Visit(url, response.status_code, 0, "static"))
                cache = response.headers.get("cache-control", "")
                if response.status_code != 200:
                    report.failures.append(f"{url}: {response.status_code}")
                elif "immutable" not in cache or "max-age=315360000" not in cache:
                    report.failures.append(f"{url}: not cached far ahead ({cache!r})")
                elif url.endswith((".css", ".js", ".svg")) and response.headers.get("content-encoding") != "gzip":
                    report.failures.append(f"{url}: not compressed")


def csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return match.group(1) if match else client.cookies.get("csrftoken", "")


def login(crawler: Crawler, username: str, password: str, report: Report) -> httpx.Client:
    from django_otp.oath import totp

    client = crawler.client()
    token = csrf(client, "/accounts/login/")
    response = client.post("/accounts/login/", data={"username": username, "password": password,
                                                    "csrfmiddlewaretoken": token, "next": "/"})
    if response.status_code != 302:
        report.failures.append(f"login {username}: {response.status_code}")
        return client
    landing = client.get("/")
    if landing.is_redirect and "/accounts/2fa/setup/" in landing.headers["location"]:
        # A role that must use two-step login enrols as a person would: read the key, type a code.
        page = client.get(landing.headers["location"])
        secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
        key = base64.b32decode(secret)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        done = client.post("/accounts/2fa/setup/", data={"token": f"{totp(key):06d}", "csrfmiddlewaretoken": token})
        if "recovery-codes" not in done.text:
            report.failures.append(f"two-step enrolment of {username} failed: {done.status_code}")
        report.visits.append(Visit("/accounts/2fa/setup/", done.status_code, 0, "two-step enrolment"))
    return client


def intake_and_wait_for_the_worker(crawler: Crawler, client: httpx.Client, report: Report, note: str) -> None:
    """Register a request through the clerk's form; the real Celery worker must send its SMS."""
    from apps.desk.models import Notification, ServiceRequest

    start = client.get("/desk/intake/")
    service_id = re.search(r'href="/desk/intake/(\d+)/"', start.text).group(1)
    token = csrf(client, f"/desk/intake/{service_id}/")
    before = ServiceRequest.objects.count()
    response = client.post(f"/desk/intake/{service_id}/", data={
        "national_code": "0067749828", "full_name": "آزمون دود", "mobile": "09121112233",
        "incomplete_reason": f"smoke test {note}", "confirm_duplicate": "on", "csrfmiddlewaretoken": token,
    })
    if response.status_code != 302 or ServiceRequest.objects.count() != before + 1:
        report.failures.append(f"intake ({note}): {response.status_code} {response.text[:300]}")
        return
    sr = ServiceRequest.objects.order_by("-id").first()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        row = Notification.objects.filter(request=sr, channel="sms", event="registered").first()
        if row is not None and row.state == "sent":
            report.visits.append(Visit(f"worker sent SMS of {sr.tracking_code}", 200,
                                       (row.sent_at - sr.received_at).total_seconds() * 1000, "worker"))
            return
        time.sleep(0.5)
    report.failures.append(f"the worker did not send the SMS of {sr.tracking_code} ({note}) within 90 s")


def integration_calls(crawler: Crawler, report: Report) -> None:
    """Open311 and /api/v1/ as an integrating system uses them in production: the reads in both
    formats, a request filed with a key over Open311, then read back through the API with the key."""
    from apps.api.keys import api_key_issue
    from apps.api.models import ApiKey, Scope
    from apps.catalog.models import SubService
    from apps.orgs.models import Staff

    officer = Staff.objects.filter(user__username="officer").first()
    raw = api_key_issue(ApiKey(name="smoke test", national=True, staff=officer, scopes=list(Scope.values)))
    # Open311 carries one file: a service with one scan that must be uploaded (or none).
    candidates = SubService.objects.filter(active=True, channel__in=["electronic", "hybrid"], service_type="G2C",
                                           stages__isnull=False).distinct().prefetch_related("documents")
    service = min((s for s in candidates if sum(d.upload_required for d in s.documents.all()) <= 1),
                  key=lambda s: sum(d.upload_required for d in s.documents.all()) != 1)

    def call(method: str, url: str, expect: int, kind: str, **kwargs) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            report.failures.append(f"{method} {url}: {exc!r}")
            return None
        report.visits.append(Visit(f"{method} {url}", response.status_code, (time.monotonic() - started) * 1000,
                                   response.headers.get("content-type", "").split(";")[0]))
        if response.status_code != expect or not response.headers.get("content-type", "").startswith(kind):
            report.failures.append(f"{method} {url}: {response.status_code} {response.headers.get('content-type')} "
                                   f"{response.text[:200]}")
        return response

    with crawler.client() as client:
        for fmt, kind in (("json", "application/json"), ("xml", "text/xml")):
            for path in ("discovery", "services", f"services/{service.code}", "requests"):
                call("GET", f"/open311/v2/{path}.{fmt}", 200, kind)
        call("GET", "/open311/v2/requests/00000000000.json", 404, "application/json")
        call("GET", "/api/schema/?format=json", 200, "application/vnd.oai.openapi+json")
        data = {"api_key": raw, "service_code": service.code, "jurisdiction_id": str(service.body_id),
                "attribute[national_code]": "0067749828", "first_name": "آزمون", "last_name": "دود",
                "phone": "09121112233"}
        for doc in service.documents.all():
            data[f"attribute[doc_{doc.pk}]"] = "desk"
        from tests.files import PDF

        files = {"media": ("scan.pdf", PDF, "application/pdf")}
        uploads = [d for d in service.documents.all() if d.upload_required]
        if uploads:
            data[f"attribute[doc_{uploads[0].pk}]"] = "attached"
        filed = call("POST", "/open311/v2/requests.json", 200, "application/json", data=data,
                     files=files if uploads else None)
        if filed is not None and filed.status_code == 200:
            code = filed.json()[0]["service_request_id"]
            call("GET", f"/open311/v2/requests/{code}.xml", 200, "text/xml")
            call("GET", f"/api/v1/requests/{code}/", 200, "application/json",
                 headers={"Authorization": f"Api-Key {raw}"})
        call("GET", "/api/v1/requests/", 401, "application/json")


def public_start(crawler: Crawler) -> list[str]:
    from apps.catalog.models import SubService
    from apps.desk.models import ServiceRequest
    from apps.feedback.models import StaffQRCode

    urls = ["/", "/services/", "/track/", "/healthz", "/accounts/login/", "/api/docs/"]
    sr = ServiceRequest.objects.order_by("-id").first()
    if sr:
        urls.append(f"/track/?code={sr.tracking_code}")
    code = StaffQRCode.objects.filter(revoked_at__isnull=True).first()
    if code:
        urls.append(f"/q/{code.token}")
    for service in SubService.objects.filter(active=True)[:3]:
        urls.append(f"/e/{service.pk}/")
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "miz-khedmat-1405"))
    parser.add_argument("--restart-db", default="", help="a command that restarts PostgreSQL half-way")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, os.getcwd())
    django.setup()
    import warnings

    from apps.orgs.demo import DEMO_LOGINS

    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    crawler = Crawler(args.base)
    reports, clients = [], {}

    public = Report("citizen")
    with crawler.client() as client:
        crawler.crawl(client, public, public_start(crawler), limit=150)
    reports.append(public)

    for username in DEMO_LOGINS:
        report = Report(username)
        client = login(crawler, username, args.password, report)
        start = ["/", "/admin/"] if username == "admin" else ["/"]
        crawler.crawl(client, report, start)
        clients[username] = client
        reports.append(report)

    journey = Report("intake")
    intake_and_wait_for_the_worker(crawler, clients["clerk"], journey, "before the restart")
    reports.append(journey)

    if args.restart_db:
        restart = Report("db restart")
        from django.db import connection

        def postmaster_started():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_postmaster_start_time()")
                return cursor.fetchone()[0]

        before = postmaster_started()
        done = subprocess.run(args.restart_db, shell=True, capture_output=True, text=True, check=False)  # noqa: S602
        if done.returncode != 0:
            restart.failures.append(f"restart command failed: {done.stderr.strip()[:300]}")
        connection.close()  # this process's own connection died with the server
        if postmaster_started() == before:
            restart.failures.append("PostgreSQL was not restarted")
        for username, client in clients.items():
            for url in ("/", "/desk/" if username in ("clerk", "officer", "supervisor") else "/reports/"):
                started = time.monotonic()
                response = client.get(url)
                restart.visits.append(Visit(f"{username} {url}", response.status_code,
                                            (time.monotonic() - started) * 1000, "after restart"))
                if response.status_code >= 500:
                    restart.failures.append(f"after the restart {username} {url}: {response.status_code}")
        intake_and_wait_for_the_worker(crawler, clients["clerk"], restart, "after the restart")
        reports.append(restart)

    integration = Report("integration")
    integration_calls(crawler, integration)
    reports.append(integration)

    static = Report("static")
    crawler.check_static(static)
    reports.append(static)

    for client in clients.values():
        client.close()
    print("\n".join(report.summary() for report in reports))
    for report in reports:
        for visit in report.visits:
            if 400 <= visit.status < 500:
                print(f"  {report.label}: {visit.status} {visit.url}")
    failures = [f"{r.label}: {f}" for r in reports for f in r.failures]
    for failure in failures:
        print(f"FAIL {failure}")
    total = sum(len(r.visits) for r in reports)
    print(f"smoke: {total} requests, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
