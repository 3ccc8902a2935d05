"""The checks of the two-node deployment test (scripts/two_nodes.sh), through nginx's three HTTPS
listeners: round-robin over both nodes, node A only, node B only. Every step asserts, and each one
fails if a file were read from one node's disk or a piece of state lived in one process:

- listeners: round-robin answers from A and B in turn, each node's listener from that node alone, and
  the portal sees HTTPS (HSTS is sent only on a request it takes for secure);
- intake: a clerk logs in on A and registers a request with a scanned PDF; on B the same session is
  logged in, the scan comes back byte for byte as a PDF and the receipt renders; a citizen's tracking
  page shows the request, and the national code confirmed on B unlocks the receipt on A;
- second user: a supervisor logs in on B and is logged in on A;
- rate limit: wrong-password logins spread over A and B meet the 429 at LOGIN_RATE's count, counted
  per client address as nginx appends it (another address still gets in; a client's own
  X-Forwarded-For is not believed);
- report: an auditor asks for a report on the reports page, the Celery worker compiles it, and its PDF
  from A and from B are the same bytes.

`snapshot` (before the nodes start) and `final` (after the journey) check that nothing under the
project folder was added or changed, and that the bucket holds the scan and the report.
"""

import argparse
import hashlib
import html.parser
import io
import itertools
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

import django
import httpx
from smoke_crawl import Crawler, Report, csrf, login  # scripts/ is this script's folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NATIONAL_CODE = "0067749828"
APPLICANT = "آزمون دو گره"
# Clients connect from their own loopback addresses, so that nginx appends a different address for
# each (the whole 127.0.0.0/8 is this machine).
CITIZEN = "127.0.0.11"
GUESSERS = ("127.0.0.21", "127.0.0.23")
ANOTHER = "127.0.0.22"
PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class Failed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def upstream(response: httpx.Response) -> str:
    return response.headers.get("x-upstream", "?")


def said(response: httpx.Response) -> str:
    """A response in a few words, for a failure's message."""
    where = f" → {response.headers['location']}" if response.is_redirect else ""
    return f"{response.status_code}{where} from {upstream(response)}"


def scan_pdf() -> bytes:
    """A one-page PDF, as tests/files.py makes them, titled with random words: identical bytes read
    back can only be this file."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Title": f"two-node test {secrets.token_hex(8)}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_errors(page: httpx.Response) -> str:
    """The errors a form shown again carries, as text."""
    found = re.findall(r'class="(?:errorlist[^"]*|errorbox)"[^>]*>(.*?)</(?:ul|div)>', page.text, re.S)
    return " | ".join(re.sub(r"<[^>]+>", " ", text).strip() for text in found) or page.text[:200]


class Listener(Crawler):
    """One nginx listener, reached from a chosen loopback address, with a browser's cookies."""

    def __init__(self, base: str, name: str):
        super().__init__(base)
        self.name = name

    def client(self, source: str = "127.0.0.1", cookies: httpx.Cookies | None = None) -> httpx.Client:
        # The certificate is self-signed for the test; Referer is what Django's CSRF check wants.
        client = httpx.Client(base_url=self.base, timeout=120, follow_redirects=False,
                              transport=httpx.HTTPTransport(verify=False, local_address=source),
                              headers={"Referer": self.base + "/", "Accept-Encoding": "gzip"})
        if cookies is not None:
            client.cookies = cookies.jar  # the same browser, its cookie jar shared, on another listener
        return client


class FormFields(html.parser.HTMLParser):
    """What a browser sends from the form posting to `action` when nothing is changed."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.select, self.fields = action, False, None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("checkbox", "radio", "file"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and ("selected" in attrs or self.select not in self.fields):
            self.fields[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def logged_in(username: str, client: httpx.Client, path: str, node: str) -> httpx.Response:
    """The page at `path`, answered by `node` to `username`'s session: no login form, their name shown."""
    from apps.orgs.demo import DEMO_LOGINS

    page = client.get(path)
    expect(page.status_code == 200, f"{username} {path}: {said(page)} (the session is not known there)")
    expect(upstream(page) == node, f"{username} {path} answered by {upstream(page)}, not {node}")
    who = re.search(r'class="who">([^<]*)', page.text)
    first, last = DEMO_LOGINS[username][:2]
    expect(who is not None and first in who.group(1) and last in who.group(1),
           f"{username} {path}: the page does not name {first} {last}")
    return page


def logged_in_client(listener: Listener, username: str, password: str) -> httpx.Client:
    report = Report(username)
    client = login(listener, username, password, report)
    expect(not report.failures, f"login of {username} on {listener.name}: {report.failures}")
    return client


def step_listeners(args, a: Listener, b: Listener, rr: Listener) -> str:
    node_a, node_b = args.upstreams
    for listener, node in ((a, node_a), (b, node_b)):
        with listener.client() as client:
            answers = [client.get("/healthz") for _ in range(3)]
        expect(all(r.status_code == 200 for r in answers), f"{listener.name}: {[said(r) for r in answers]}")
        expect({upstream(r) for r in answers} == {node},
               f"{listener.name} answered from {[upstream(r) for r in answers]}, not only {node}")
    with rr.client() as client:
        answers = [client.get("/healthz") for _ in range(6)]
        login_page = client.get("/accounts/login/")
    order = [upstream(r) for r in answers]
    expect(all(r.status_code == 200 for r in answers), f"round-robin: {[said(r) for r in answers]}")
    expect(set(order) == {node_a, node_b} and all(x != y for x, y in itertools.pairwise(order)),
           f"round-robin did not alternate over both nodes: {order}")
    expect(login_page.status_code == 200, f"login page: {said(login_page)}")
    expect("strict-transport-security" in login_page.headers,
           "no HSTS header: the portal did not take the proxied request for HTTPS")
    return f"round-robin {' '.join(o.rsplit(':', 1)[1] for o in order)}; A and B listeners each from their node"


def step_intake(args, a: Listener, b: Listener, state: dict) -> str:
    node_a, node_b = args.upstreams
    clerk_a = logged_in_client(a, "clerk", args.password)
    start = clerk_a.get("/desk/intake/")
    expect(start.status_code == 200 and upstream(start) == node_a, f"intake list on A: {said(start)}")
    service, documents = None, []
    for service_id in dict.fromkeys(re.findall(r'href="/desk/intake/(\d+)/"', start.text)):
        form = clerk_a.get(f"/desk/intake/{service_id}/")
        documents = re.findall(r'name="doc_(\d+)_file"', form.text)
        if documents and 'name="legal_id"' not in form.text:
            service = service_id
            break
    expect(service is not None, "no service on the clerk's intake page takes a scan")
    scan = scan_pdf()
    data = {"national_code": NATIONAL_CODE, "full_name": APPLICANT, "mobile": "09121112233",
            "incomplete_reason": "two-node test: the other documents on paper later", "confirm_duplicate": "on",
            "csrfmiddlewaretoken": csrf(clerk_a, f"/desk/intake/{service}/")}
    registered = clerk_a.post(f"/desk/intake/{service}/", data=data,
                              files={f"doc_{documents[0]}_file": ("scan.pdf", scan, "application/pdf")})
    receipt_url = re.search(r"/desk/requests/(\d+)/receipt/$", registered.headers.get("location", ""))
    expect(registered.status_code == 302 and receipt_url is not None and upstream(registered) == node_a,
           f"intake on A: {said(registered)} {form_errors(registered)}")
    pk = receipt_url.group(1)

    clerk_b = b.client(cookies=clerk_a.cookies)
    detail = logged_in("clerk", clerk_b, f"/desk/requests/{pk}/", node_b)
    links = re.findall(r'href="/desk/documents/(\d+)/"', detail.text)
    expect(len(links) == 1, f"request {pk} on B links {len(links)} scans, not 1")
    got = clerk_b.get(f"/desk/documents/{links[0]}/")
    expect(got.status_code == 200, f"the scan through node B: {said(got)}")
    expect(got.headers.get("content-type", "").startswith("application/pdf"),
           f"the scan through node B came as {got.headers.get('content-type')}")
    expect(got.content == scan, f"the scan through node B differs ({len(got.content)} bytes, sent {len(scan)})")
    receipt = clerk_b.get(f"/desk/requests/{pk}/receipt.pdf")
    expect(receipt.status_code == 200 and receipt.content.startswith(b"%PDF"), f"receipt PDF on B: {said(receipt)}")
    page = clerk_b.get(f"/desk/requests/{pk}/receipt/")
    shown = re.search(r'<dd class="code big" dir="ltr">([^<]+)</dd>', page.text)
    expect(shown is not None, f"receipt page on B: {said(page)}, no tracking code")
    code = re.sub(r"\D", "", shown.group(1).translate(PERSIAN_DIGITS))

    # The citizen: the code alone shows the request; the national code confirmed on B is remembered
    # by the session, which then downloads the receipt from A.
    citizen_a = a.client(source=CITIZEN)
    citizen_b = b.client(source=CITIZEN, cookies=citizen_a.cookies)
    track = citizen_a.get(f"/track/?code={code}")
    expect(track.status_code == 200 and 'name="national_code"' in track.text and APPLICANT not in track.text,
           f"/track/ on A: {said(track)}")
    verified = citizen_b.post("/track/", data={"code": code, "national_code": NATIONAL_CODE,
                                               "csrfmiddlewaretoken": csrf(citizen_b, f"/track/?code={code}")})
    expect(verified.status_code == 200 and APPLICANT in verified.text and upstream(verified) == node_b,
           f"national code on /track/ through B: {said(verified)}")
    copy = citizen_a.get(f"/track/{code}/receipt.pdf")
    expect(copy.status_code == 200 and copy.content.startswith(b"%PDF") and upstream(copy) == node_a,
           f"the citizen's receipt through A after confirming on B: {said(copy)}")
    for client in (clerk_a, clerk_b, citizen_a, citizen_b):
        client.close()
    state.update(request=int(pk), document=int(links[0]), scan_sha256=hashlib.sha256(scan).hexdigest())
    return (f"request {code} with a {len(scan)}-byte scan on A; on B the session, the scan (same bytes), "
            f"the receipt; tracking verified on B, citizen's receipt on A")


def step_second_user(args, a: Listener, b: Listener) -> str:
    supervisor_b = logged_in_client(b, "supervisor", args.password)
    logged_in("supervisor", supervisor_b, "/", args.upstreams[1])
    supervisor_a = a.client(cookies=supervisor_b.cookies)
    logged_in("supervisor", supervisor_a, "/desk/", args.upstreams[0])
    supervisor_a.close()
    supervisor_b.close()
    return "supervisor logged in on B, logged in on A"


def step_rate_limit(args, a: Listener, b: Listener) -> str:
    limit = int(os.environ["LOGIN_RATE"].split("/")[0])

    def guess(client: httpx.Client, username: str, **kwargs) -> httpx.Response:
        token = csrf(client, "/accounts/login/")
        return client.post("/accounts/login/", data={"username": username, "password": "not-the-password",
                                                     "csrfmiddlewaretoken": token}, **kwargs)

    for source in GUESSERS:
        on_a = a.client(source=source)
        on_b = b.client(source=source, cookies=on_a.cookies)
        username = f"guess-{secrets.token_hex(4)}"
        hits = [guess((on_a, on_b)[n % 2], username) for n in range(limit + 1)]
        codes = [r.status_code for r in hits]
        if codes == [200] * limit + [429]:
            break
        expect(429 not in codes[:limit], f"429 before {limit} attempts: {[said(r) for r in hits]}")
        # Otherwise the counting window ended between two attempts: once more from another address.
    else:
        raise Failed(f"{limit} wrong logins over A and B did not reach the limit: {[said(r) for r in hits]}")
    expect({upstream(r) for r in hits} == set(args.upstreams), f"the attempts were not spread: {[said(r) for r in hits]}")
    # The limit is the client's, read from the address nginx appended: another client is let through…
    with a.client(source=ANOTHER) as other:
        elsewhere = guess(other, f"guess-{secrets.token_hex(4)}")
    expect(elsewhere.status_code == 200, f"another client address was limited too: {said(elsewhere)}")
    # …and the limited client cannot choose another address by writing the header itself.
    spoofed = guess(on_b, f"guess-{secrets.token_hex(4)}", headers={"X-Forwarded-For": "203.0.113.7"})
    expect(spoofed.status_code == 429, f"a client's own X-Forwarded-For escaped the limit: {said(spoofed)}")
    on_a.close()
    on_b.close()
    return (f"{limit} wrong logins alternating A/B, then 429 at attempt {limit + 1}; another address still "
            f"200; a forged X-Forwarded-For still 429")


def step_report(args, a: Listener, b: Listener, state: dict) -> str:
    auditor_a = logged_in_client(a, "auditor", args.password)
    auditor_b = b.client(cookies=auditor_a.cookies)
    page = auditor_a.get("/reports/")
    expect(page.status_code == 200, f"/reports/ on A: {said(page)}")
    form = FormFields("/reports/new/")
    form.feed(page.text)
    expect({"kind", "period", "scope", "csrfmiddlewaretoken"} <= set(form.fields),
           f"the report form on /reports/ has {sorted(form.fields)}")
    asked = auditor_b.post("/reports/new/", data=form.fields)
    queued = re.search(r"#report-(\d+)$", asked.headers.get("location", ""))
    expect(asked.status_code == 302 and queued is not None,
           f"asking for {form.fields['kind']} {form.fields['period']} on B: {said(asked)} (not queued)")
    pk = queued.group(1)
    deadline, polls = time.monotonic() + 120, 0
    while True:
        progress = (auditor_a, auditor_b)[polls % 2].get(f"/reports/{pk}/progress.json")
        polls += 1
        expect(progress.status_code == 200, f"progress of report {pk}: {said(progress)}")
        if progress.json()["finished"]:
            break
        expect(time.monotonic() < deadline, f"report {pk} not finished after 120 s: {progress.json()}")
        time.sleep(1)
    expect(progress.json()["status"] == "done", f"report {pk}: {progress.json()}")
    log = Path(args.worker_log).read_text(errors="replace")
    expect(re.search(r"reports_compile_period\[[^\]]+\] succeeded", log) is not None,
           "the worker's log shows no reports_compile_period that succeeded")
    pdfs = [client.get(f"/reports/{pk}/pdf/") for client in (auditor_a, auditor_b)]
    for pdf, node in zip(pdfs, args.upstreams, strict=True):
        expect(pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and upstream(pdf) == node
               and pdf.headers.get("content-type") == "application/pdf", f"report PDF: {said(pdf)}")
    expect(pdfs[0].content == pdfs[1].content, "the report's PDF differs between A and B")
    auditor_a.close()
    auditor_b.close()
    state.update(report=int(pk), report_sha256=hashlib.sha256(pdfs[0].content).hexdigest())
    return (f"{form.fields['kind']} {form.fields['period']} asked on B, compiled by the worker "
            f"({polls} polls over A and B), PDF of {len(pdfs[0].content)} bytes identical from A and B")


def journey(args) -> int:
    import warnings

    warnings.filterwarnings("ignore", message="Unverified HTTPS request")
    rr = Listener(args.round_robin, "round-robin")
    a, b = Listener(args.node_a, "node A"), Listener(args.node_b, "node B")
    state, failures = {}, 0
    steps = [("listeners", lambda: step_listeners(args, a, b, rr)),
             ("intake A→B", lambda: step_intake(args, a, b, state)),
             ("second user B→A", lambda: step_second_user(args, a, b)),
             ("rate limit", lambda: step_rate_limit(args, a, b)),
             ("report", lambda: step_report(args, a, b, state))]
    for name, step in steps:
        started = time.monotonic()
        try:
            detail = step()
        except Exception as exc:  # an unexpected answer (no JSON, a dropped connection) fails the step alone
            failures += 1
            print(f"FAIL {name}: {exc}" if isinstance(exc, Failed) else f"FAIL {name}: {exc!r}", flush=True)
        else:
            print(f"ok   {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
    Path(args.out).write_text(json.dumps(state))
    print(f"two nodes: {len(steps) - failures} passed, {failures} failed")
    return 1 if failures else 0


def snapshot(args) -> int:
    from tests.files import project_files

    Path(args.out).write_text(json.dumps(project_files()))
    return 0


def final(args) -> int:
    """The bucket holds the scan and the report (same bytes as downloaded); the project folder is as
    it was before the nodes started."""
    from django.core.files.storage import storages

    from apps.desk.models import RequestDocument
    from apps.reports.models import Report as CompiledReport
    from tests.files import project_files_changed

    state = json.loads(Path(args.state).read_text())
    failures = []
    default_storage = storages["default"]
    kind = type(default_storage).__name__
    if kind != "S3Storage":
        failures.append(f"the default storage is {kind}, not the bucket")
    stored = {}
    if "document" in state:
        stored["scan"] = (RequestDocument.objects.get(pk=state["document"]).file, state["scan_sha256"])
    if "report" in state:
        stored["report"] = (CompiledReport.objects.get(pk=state["report"]).pdf, state["report_sha256"])
    for what in ("scan", "report"):
        if what not in stored:
            failures.append(f"no {what} to look for in the bucket (its step failed)")
            continue
        field, sha = stored[what]
        if not default_storage.exists(field.name):
            failures.append(f"the bucket has no {what} ({field.name})")
            continue
        with default_storage.open(field.name, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != sha:
                failures.append(f"the {what} in the bucket differs from what the nodes served")
                continue
        print(f"ok   the bucket holds the {what}: {default_storage.location}/{field.name}")
    before = {path: tuple(seen) for path, seen in json.loads(Path(args.snapshot).read_text()).items()}
    changed = project_files_changed(before)
    if changed:
        failures.append(f"files added or changed under the project folder: {changed[:10]}")
    else:
        print(f"ok   nothing added or changed under the project folder ({len(before)} files)")
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("journey", help="the checks through the listeners")
    run.add_argument("--round-robin", required=True)
    run.add_argument("--node-a", required=True)
    run.add_argument("--node-b", required=True)
    run.add_argument("--upstreams", nargs=2, required=True, help="node A's and node B's host:port")
    run.add_argument("--worker-log", required=True)
    run.add_argument("--out", required=True, help="where the ids of the scan and the report are written")
    run.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "miz-khedmat-1405"))
    commands.add_parser("snapshot", help="the project folder's files, before").add_argument("--out", required=True)
    last = commands.add_parser("final", help="the bucket and the project folder, after")
    last.add_argument("--state", required=True)
    last.add_argument("--snapshot", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    return {"journey": journey, "snapshot": snapshot, "final": final}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
