"""Reads for the home page of each role: one tile per thing the role does next, with a count in scope."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.scoping import scope_queryset
from apps.orgs import roles
from apps.orgs.models import Counter, OrgUnit, Staff

CLERK, OFFICER, SUPERVISOR = roles.DESK_CLERK, roles.UNIT_OFFICER, roles.BODY_SUPERVISOR
PROVINCIAL, NATIONAL, ADMIN = roles.PROVINCIAL_AUDITOR, roles.NATIONAL_AUDITOR, roles.ADMINISTRATOR
DESK_WORKERS = (CLERK, OFFICER, SUPERVISOR, ADMIN)
AUDITORS = (PROVINCIAL, NATIONAL)


@dataclass
class NextAction:
    title: str
    description: str
    url: str
    count: int | None = None


@dataclass(frozen=True)
class Tile:
    roles: tuple[str, ...]
    title: str
    description: str
    url_name: str
    count: Callable | None = None  # count(user, cache) -> int; cache holds figures shared by tiles
    query: str = ""  # appended to the URL: a tile may open a list already filtered


def _desk_counts(user, cache: dict) -> dict[str, int]:
    if "desk" not in cache:
        from apps.desk.selectors import dashboard_counts

        cache["desk"] = dashboard_counts(user=user)
    return cache["desk"]


def _catalog_count(user, cache) -> int:
    from apps.catalog.selectors import manage_service_list

    return manage_service_list(user=user).count()


def _held_ratings_count(user, cache) -> int:
    from apps.feedback.ratings import held_ratings

    return held_ratings(user=user).count()


def _audit_forms_to_act_on(user, cache) -> int:
    """Forms waiting for this role: the body's part for a supervisor, the evaluator's part for auditors."""
    from apps.audits.models import AuditForm
    from apps.audits.selectors import audit_state_counts

    counts = audit_state_counts(user=user)
    if roles.has_role(user, *AUDITORS, ADMIN):
        return counts[AuditForm.State.SUBMITTED] + counts[AuditForm.State.UNDER_EVALUATION]
    return counts[AuditForm.State.DRAFT] + counts[AuditForm.State.RETURNED]


def _case_inbox_count(user, cache) -> int:
    from apps.cases.selectors import case_inbox

    return case_inbox(user=user).count()


PEOPLE, HANDLER, REVIEWER, IDEAS = roles.PEOPLE_CLERK, roles.COMPLAINT_HANDLER, roles.CENTRE_REVIEWER, roles.IDEAS_MEMBER
CASE_WORKERS = (CLERK, PEOPLE, HANDLER, REVIEWER, SUPERVISOR, ADMIN)


def _audit_forms_overdue(user, cache) -> int:
    """Forms past due on the side this role acts on: the body's part for a supervisor, the evaluator's for auditors."""
    from apps.audits.selectors import audit_overdue_counts

    counts = audit_overdue_counts(user=user)
    return counts["evaluation"] if roles.has_role(user, *AUDITORS, ADMIN) else counts["body"]


TILES: tuple[Tile, ...] = (
    Tile((CLERK, SUPERVISOR, ADMIN), _("Register a request"),
         _("Receive an applicant at the counter: documents checklist, scans and the receipt."), "desk:intake_start"),
    Tile(DESK_WORKERS, _("Service desk"), _("Today's requests, responses to hand over and overdue items."),
         "desk:dashboard", lambda user, cache: _desk_counts(user, cache)["to_deliver"]),
    Tile(DESK_WORKERS, _("My inbox"), _("Stages of requests waiting in your unit, the earliest due first."),
         "desk:inbox", lambda user, cache: _desk_counts(user, cache)["inbox"]),
    Tile((CLERK, SUPERVISOR, ADMIN), _("Queue"),
         _("Call the next ticket at your counter; the kiosk and the waiting-room board."), "desk:queue_home"),
    Tile((CLERK, SUPERVISOR, *AUDITORS, ADMIN), _("Daily report"),
         _("Table 2: requests received and answered per clerk and desk, as PDF and Excel."), "desk:daily_report"),
    Tile((SUPERVISOR, ADMIN), _("Sub-service catalog"),
         _("The services of your body: table 1 stages, documents, fees, brochures, signs and the Excel workbook."),
         "catalog:service_list", _catalog_count),
    Tile((CLERK, SUPERVISOR, ADMIN), _("Staff QR codes"),
         _("Issue, reissue and print the rating cards on every employee's desk."), "feedback:qr_list"),
    Tile((SUPERVISOR, ADMIN), _("Held ratings"),
         _("Bursts of ratings held out of the averages until you review them."), "feedback:rating_review",
         _held_ratings_count),
    Tile((OFFICER, SUPERVISOR, *AUDITORS, ADMIN), _("Satisfaction"),
         _("Questionnaire indices and staff ratings per employee, unit, body and province."), "feedback:dashboard"),
    Tile((SUPERVISOR, *AUDITORS, ADMIN), _("Bimonthly audits"),
         _("Annex 2 forms: the body's declaration and the evaluator's verification."), "audits:form_list",
         _audit_forms_to_act_on),
    Tile((SUPERVISOR, *AUDITORS, ADMIN), _("Overdue audit forms"),
         _("Forms of open audit rounds past their due date: the self-declaration or the evaluation."),
         "audits:form_list", _audit_forms_overdue, query="?round=&overdue=1"),
    Tile((SUPERVISOR, *AUDITORS, ADMIN), _("Oversight reports"),
         _("Quarterly, bimonthly and six-monthly reports with figures, ranking, PDF and Excel."), "reports:list"),
    Tile((SUPERVISOR, *AUDITORS, ADMIN), _("Annex 3"),
         _("Services per channel for each body and province."), "reports:annex3_table2"),
    Tile(DESK_WORKERS, _("Staff of my units"),
         _("Everyone who serves clients in your unit and below, with post and main duties."), "orgs:staff_list",
         lambda user, cache: scope_queryset(Staff.objects.filter(active=True), user).count()),
    Tile((CLERK, SUPERVISOR, ADMIN), _("Counters"), _("The counters of your service desk."), "orgs:counter_list",
         lambda user, cache: scope_queryset(Counter.objects.filter(active=True), user).count()),
    Tile((*DESK_WORKERS, *AUDITORS), _("Org units"),
         _("The units you can see, from your own down to the inner departments."), "orgs:unit_list",
         lambda user, cache: scope_queryset(OrgUnit.objects.all(), user, unit_field=None).count()),
    Tile((CLERK, PEOPLE, SUPERVISOR, ADMIN), _("Register a case"),
         _("A complaint, report, request, idea or thanks at the desk or by phone; outside the body's duties, refer it."),
         "cases:register"),
    Tile(CASE_WORKERS, _("Cases inbox"), _("Open people's communication cases your units handle, the earliest due first."),
         "cases:inbox", _case_inbox_count),
    Tile((HANDLER, REVIEWER, IDEAS, SUPERVISOR, ADMIN), _("Cases"),
         _("Every case registered at or handled by your units; the centre sees all."), "cases:list"),
    Tile((IDEAS, REVIEWER, ADMIN), _("Ideas queue"),
         _("Ideas and suggestions waiting for the working group: accept, merge or decline."), "ideas:review_queue"),
    Tile((PEOPLE, SUPERVISOR, ADMIN), _("Ideas referred to your body"),
         _("Ideas the working group accepted and referred to your units: record the result of your review."),
         "ideas:body_list"),
    Tile((PEOPLE, HANDLER, SUPERVISOR, ADMIN), _("Public meetings"),
         _("Weekly meeting times of the head or governor, the day's bookings, walk-ins and outcomes."),
         "meetings:office"),
    Tile(tuple(roles.ADMIN_SITE_ROLES), _("Administration"), _("Reference data, users and roles, holidays."),
         "admin:index"),
)


def home_for_user(user) -> dict:
    """The user's unit, role and the actions their role takes next, with counts in scope."""
    role = roles.primary_role(user)
    cache: dict = {}
    actions = []
    for tile in TILES:
        if role not in tile.roles:
            continue
        url = reverse(tile.url_name) + tile.query
        actions.append(NextAction(tile.title, tile.description, url, tile.count(user, cache) if tile.count else None))
    staff = getattr(user, "staff", None)
    return {"staff": staff, "role": role, "role_label": roles.ROLE_LABELS.get(role, ""), "actions": actions}


def public_desks(*, province_id: int | None = None):
    """The service desks a citizen can walk into: units with an active counter, with their address,
    telephone and hours; of one province when given. Ordered for reading, a page at a time."""
    from django.db.models import Exists, OuterRef

    from apps.orgs.models import Counter, OrgUnit

    desks = (
        OrgUnit.objects.filter(Exists(Counter.objects.filter(unit=OuterRef("pk"), active=True)))
        .select_related("body", "province", "county")
        .only("name", "address", "phone", "opening_hours", "body__name_fa", "body__name_en", "province__name_fa",
              "province__name_en", "county__name_fa", "county__name_en")
        .order_by("province__name_fa", "body__name_fa", "name")
    )
    if province_id:
        desks = desks.filter(province_id=province_id)
    return desks
