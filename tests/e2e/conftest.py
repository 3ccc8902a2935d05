"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls around it are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 860}
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory
# axe-core from the npm registry, pinned in package-lock.json; `make test` installs it
# (scripts/install-node-deps.sh).
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }


@pytest.fixture
def shot(request):
    """shot(page, "name") saves a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def login(live_server):
    """login(page, user) signs in through the real login form and waits for the page it lands on:
    home, or `next_path` when given. `user` is a User or a username; the password is the factories'
    unless another is given."""

    def _login(page, user, *, password: str = PASSWORD, next_path: str = "") -> None:
        username = user if isinstance(user, str) else user.username
        page.goto(f"{live_server.url}/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}{next_path or '/'}")

    return _login


@pytest.fixture
def no_horizontal_overflow():
    """Asserts that a page does not scroll sideways (the 360 px test of a finished page)."""

    def _check(page) -> None:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page overflows horizontally by {overflow}px"

    return _check


@pytest.fixture
def axe_check():
    """axe_check(page) runs axe-core (every rule it has) on the page as it stands and fails the test
    listing its serious and critical violations; with `fail=False` it returns them as readable lines
    instead (empty when there are none), to check several pages and report them all at once.

    The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern: the page is checked under its real policy. (`add_script_tag` inlines the
    script, which `script-src 'self'` blocks; turning the policy off would check another page.)"""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make test` or scripts/install-node-deps.sh")
    source = AXE_JS.read_text()

    def _check(page, *, fail: bool = True) -> list[str]:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(source)
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }))"""
        )
        path = page.url.split("/", 3)[-1]
        lines = []
        for v in violations:
            if v["impact"] not in AXE_BLOCKING:
                continue
            lines.append(f"/{path}: {v['impact']} {v['id']}: {v['help']}")
            lines += [f"    {n['target']}: {' '.join(n['summary'].split())}" for n in v["nodes"]]
        if fail:
            assert not lines, "axe-core found serious or critical violations:\n" + "\n".join(lines)
        return lines

    return _check


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Provinces, holidays and questionnaire v1 come from data migrations; a transactional test that ran
    before may have flushed them, so every browser journey reloads them (each loader is idempotent)."""
    from apps.core.holidays import holidays_seed
    from apps.feedback.models import Axis, Question, Questionnaire
    from apps.feedback.questionnaire_seed import questionnaire_seed
    from apps.orgs.services import provinces_seed

    provinces_seed()
    holidays_seed()
    questionnaire_seed(Questionnaire, Axis, Question)
