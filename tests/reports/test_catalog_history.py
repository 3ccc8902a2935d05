"""Reports count the catalog as it stood on the period's last day (the catalog's dated history)."""

from apps.reports.models import Report
from apps.reports.scopes import Scope
from apps.reports.services import report_compile
from tests.factories import SubServiceFactory
from tests.reports.conftest import at

COUNTS = ("total", "in_person", "electronic", "hybrid", "outside")


def _channels(report: Report) -> tuple:
    return tuple(report.figures["channels"][key] for key in COUNTS)


def test_six_monthly_compilation_counts_no_service_before_it_existed_and_past_channels_as_they_were(
    world
):
    """GIVEN the catalog of conftest (8 services since 1405/01/15: 3 in person, 3 electronic, 1 hybrid,
    1 outside) and, in the second half of 1405, a new electronic service of the roads directorate
    (from 1405/07/10) and its in-person service moved to the hybrid channel (from 1405/07/01)
    WHEN the national six-monthly compilations of 1405-H1 and 1405-H2 are made
    THEN H1 counts neither change, H2 counts both, and compiling H1 again gives the same figures."""
    scope = Scope(Scope.NATIONAL)
    first_half = report_compile(kind=Report.Kind.HALFYEAR_NATIONAL, period="1405-H1", scope=scope)
    assert _channels(first_half) == (8, 3, 3, 1, 1)

    SubServiceFactory(
        body=world.roads,
        channel="electronic",
        non_electronic_reason="",
        eservice_url="https://x.ir/new",
        valid_from=at(7, 10).date(),
    )
    moved = world.requests[0].service
    moved.channel, moved.non_electronic_reason = "hybrid", "digitisation"
    moved.eservice_url = "https://x.ir/moved"
    moved.changes_from = at(7, 1).date()
    moved.save()

    again = report_compile(kind=Report.Kind.HALFYEAR_NATIONAL, period="1405-H1", scope=scope)
    assert _channels(again) == (8, 3, 3, 1, 1)
    assert again.figures["requests"]["received"] > 0  # requests of those services are counted meanwhile
    second_half = report_compile(kind=Report.Kind.HALFYEAR_NATIONAL, period="1405-H2", scope=scope)
    assert _channels(second_half) == (9, 2, 4, 2, 1)
