"""The integration API at /api/v1/ (SPEC §10): the catalog, requests and their stages, cases,
satisfaction indices and compiled reports, for the systems an API key stands for.

Every queryset goes through apps.core.scoping (a row outside the key's scope is a 404, never a
403); every write is a service function acting in the name of the key's acting officer, and leaves
a change record naming the key and the address it came from.
"""

import datetime as dt
import json

from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.api.auth import api_client
from apps.api.errors import Conflict
from apps.api.models import Scope
from apps.api.v1 import serializers as s
from apps.api.v1.dates import HELP as DATE_HELP
from apps.api.v1.dates import MomentField
from apps.api.v1.filters import CaseFilter, RequestFilter, ServiceFilter
from apps.api.v1.pagination import ApiCursorPagination, StableOrderingFilter
from apps.cases import services as case_services
from apps.cases.forms import level_for_unit
from apps.cases.models import Case, CaseResponse
from apps.catalog.models import RequiredDocument, SubService, WorkflowStage
from apps.catalog.selectors import published_q
from apps.core import jalali
from apps.core.net import client_ip
from apps.core.scoping import scope_by_body, scope_queryset
from apps.core.services import change_record
from apps.desk import services as desk_services
from apps.desk.forms import IntakeForm
from apps.desk.models import RequestStage, ServiceRequest
from apps.feedback.indices import answers_in_scope, axis_indices, overall_index
from apps.orgs.models import Body, BodyDuty, OrgUnit, Staff
from apps.reports.models import Report
from apps.reports.selectors import bodies_within


class ApiKeySchema(AutoSchema):
    """Every operation of /api/v1/ needs a key (the scheme is declared in settings)."""

    def get_auth(self):
        return [{"ApiKey": []}]


class OneObjectSchema(ApiKeySchema):
    """A `list` route that answers one object (the index of a period), not a list of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


def _errors(*codes: int) -> dict:
    described = {
        400: _("The input is not valid: `errors` says what, per field."),
        401: _("No API key, or the key is not valid or has been revoked."),
        403: _("The key does not have the scope this call needs."),
        404: _("No such object within the key's scope."),
        409: _("The request changed meanwhile (stale version) or has no stage in the needed state."),
        429: _("Too many calls: wait and try again."),
    }
    return {code: OpenApiResponse(s.ErrorSerializer, description=described[code]) for code in (401, 403, 429, *codes)}


ERROR_EXAMPLES = [
    OpenApiExample(
        "Invalid input", status_codes=["400"], response_only=True,
        value={"detail": "national_code: This national code is not valid; check the digits.", "code": "invalid",
               "errors": {"national_code": ["This national code is not valid; check the digits."]}},
    ),
    OpenApiExample("Not found", status_codes=["404"], response_only=True, value={"detail": "Not found.", "code": "not_found"}),
]


class ApiViewSet(viewsets.GenericViewSet):
    """What every /api/v1/ view shares: cursor pages, filters, one-field ordering, the key's language."""

    schema = ApiKeySchema()
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering_fields: list[str] = []
    required_scopes: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        # Machines say which language they want (Accept-Language or the language cookie); the portal's
        # pages ignore the header on purpose, an integrating system's error messages need not.
        translation.activate(translation.get_language_from_request(request._request))
        request._request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    @property
    def client(self):
        return api_client(self.request)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.scoped_queryset()

    def audit(self, target, what: str) -> None:
        key = self.client.api_key
        change_record(
            target=target, action=f"api_{what}", actor=self.client.user,
            note=f"API key {key.prefix} ({key.name}) from {client_ip(self.request._request)}",
        )

    def acting_staff(self) -> Staff:
        staff = self.client.staff
        if staff is None or not staff.active:
            raise exceptions.PermissionDenied(_("This API key has no active acting officer: ask the administrator."))
        return staff

    def input(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- catalog ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Published services"), responses={200: s.ServiceSerializer(many=True), **_errors(400)},
                       description=_("The published sub-services of the bodies the key covers (a national key: all).")),
    retrieve=extend_schema(summary=_("One service"), responses={200: s.ServiceSerializer, **_errors(404)}),
)
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = SubService.objects.none()  # the schema's model; get_queryset answers calls
    serializer_class = s.ServiceSerializer
    filterset_class = ServiceFilter
    ordering = ("code",)
    ordering_fields = ["code"]
    required_scopes = {"*": Scope.CATALOG_READ}

    def scoped_queryset(self):
        qs = (
            SubService.objects.filter(published_q())
            .select_related("body")
            .prefetch_related(
                Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "id")),
                Prefetch("stages", queryset=WorkflowStage.objects.order_by("order", "id")),
                "fees",
            )
        )
        if self.client.api_key.national:
            return qs
        return scope_by_body(qs, self.request.user)


# --- requests --------------------------------------------------------------------------------------

STAGE_ACTION_PARAMS = [OpenApiParameter("tracking_code", str, OpenApiParameter.PATH, description=_("Tracking code."))]
STAGE_ACTION_EXAMPLE = OpenApiExample("Act on the current stage", request_only=True, value={"version": 3, "note": "بررسی شد"})


def _stage_doc(summary: str, request, description: str = ""):
    return extend_schema(
        summary=summary, description=description, request=request, parameters=STAGE_ACTION_PARAMS,
        responses={200: s.RequestDetailSerializer, **_errors(400, 404, 409)},
        examples=[STAGE_ACTION_EXAMPLE, *ERROR_EXAMPLES],
    )


CREATE_EXAMPLE = OpenApiExample(
    "File a request", request_only=True,
    value={"service": 12, "national_code": "0499370899", "full_name": "سارا محمدی", "mobile": "09121234567",
           "documents": [{"document": 31, "received": True}]},
)


@extend_schema_view(
    list=extend_schema(summary=_("Requests"), responses={200: s.RequestSerializer(many=True), **_errors(400)},
                       description=_("Requests received at the units the key covers, newest first; the applicant's "
                                     "details only on a single request.")),
    retrieve=extend_schema(summary=_("One request, by tracking code"),
                           responses={200: s.RequestDetailSerializer, **_errors(404)}),
    create=extend_schema(
        summary=_("File a request"),
        description=_("The same checks as the e-desk's form (national code, mobile, the scans that must be "
                      "uploaded). Send JSON, or multipart/form-data to attach scans as doc_<document id>_file."),
        request={"application/json": s.RequestCreateSerializer,
                 "multipart/form-data": s.RequestCreateMultipartSerializer},
        responses={201: s.RequestDetailSerializer, **_errors(400)},
        examples=[CREATE_EXAMPLE, *ERROR_EXAMPLES],
    ),
    complete=_stage_doc(_("Complete the current stage"), s.StageActionSerializer,
                        _("Hands the request to the next stage, or (the last one) to the response.")),
    return_=_stage_doc(_("Refer back to an earlier stage"), s.StageReturnSerializer),
    hold=_stage_doc(_("Put on hold for an inquiry"), s.StageHoldSerializer),
    resume=_stage_doc(_("Resume after the inquiry"), s.StageActionSerializer),
)
class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = ServiceRequest.objects.none()
    lookup_field = "tracking_code"
    filterset_class = RequestFilter
    ordering = ("-received_at",)
    ordering_fields = ["received_at", "updated_at", "promised_at"]
    required_scopes = {
        "list": Scope.REQUESTS_READ,
        "retrieve": Scope.REQUESTS_READ,
        "create": Scope.REQUESTS_FILE,
        "complete": Scope.STAGES_ACT,
        "return_": Scope.STAGES_ACT,
        "hold": Scope.STAGES_ACT,
        "resume": Scope.STAGES_ACT,
    }

    def get_serializer_class(self):
        return s.RequestSerializer if self.action == "list" else s.RequestDetailSerializer

    def get_serializer_context(self):
        client = self.client
        personal = client is not None and client.api_key.has_scope(Scope.REQUESTS_READ)
        return {**super().get_serializer_context(), "personal": personal}

    def scoped_queryset(self):
        qs = ServiceRequest.objects.select_related("service", "unit")
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("stages", queryset=RequestStage.objects.select_related("unit").order_by("order"))
            )
        return scope_queryset(qs, self.request.user, unit_field="unit")

    def _answer(self, request_id: int, code: int = status.HTTP_200_OK) -> Response:
        # By id, unscoped: the row was just found in scope (or registered at a unit in it) by this call.
        fresh = ServiceRequest.objects.select_related("service", "unit").prefetch_related(
            Prefetch("stages", queryset=RequestStage.objects.select_related("unit").order_by("order"))
        ).get(pk=request_id)
        return Response(s.RequestDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    # -- filing --

    def create(self, request, *args, **kwargs):
        data = self.input(s.RequestCreateSerializer, self._create_data())
        service = self._service(data["service"])
        unit = self._unit(service, data.get("unit"))
        files = {name: f for name, f in request.FILES.items() if name.startswith("doc_") and name.endswith("_file")}
        form_data = {f: data.get(f, "") for f in ("national_code", "full_name", "mobile", "email", "legal_id",
                                                   "legal_name")}
        form = IntakeForm(form_data, files, service=service, online=True)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {"non_field_errors" if k == "__all__" else k: list(v) for k, v in form.errors.items()}
            )
        cleaned = form.cleaned_data
        held = {d["document"] for d in data["documents"] if d["received"]}
        known = {doc.pk for doc in service.documents.all()}
        unknown = {d["document"] for d in data["documents"]} - known
        if unknown:
            raise exceptions.ValidationError({"documents": [
                _("Not a document of this service: %(ids)s") % {"ids": ", ".join(str(i) for i in sorted(unknown))}
            ]})
        documents = form.documents()
        for document in documents:
            if document.required_id in held:
                document.received = True
        missing = [d.title for d in documents if not d.received]
        sr = desk_services.service_request_register(
            service=service, unit=unit, channel=ServiceRequest.Channel.ONLINE, by=self.client.staff,
            applicant=desk_services.Applicant(
                national_code=cleaned["national_code"], full_name=cleaned["full_name"], mobile=cleaned["mobile"],
                email=cleaned.get("email", ""), legal_id=cleaned.get("legal_id", ""),
                legal_name=cleaned.get("legal_name", ""),
            ),
            documents=documents,
            incomplete_reason=_("Not attached online; the applicant brings them to the desk: %(docs)s")
            % {"docs": "، ".join(missing)} if missing else "",
        )
        self.audit(sr, "request_register")
        return self._answer(sr.pk, status.HTTP_201_CREATED)

    def _create_data(self) -> dict:
        """The body as one dict, whether JSON or a form (where `documents` is JSON text)."""
        raw = self.request.data
        if not hasattr(raw, "getlist"):
            return raw
        data = {k: raw.get(k) for k in raw if not k.startswith("doc_")}
        documents = data.get("documents")
        if isinstance(documents, str):
            try:
                data["documents"] = json.loads(documents) if documents.strip() else []
            except ValueError:
                raise exceptions.ValidationError({"documents": [_("Write the documents as JSON text.")]}) from None
        return data

    def _service(self, service_id: int) -> SubService:
        qs = SubService.objects.filter(published_q()).select_related("body")
        if not self.client.api_key.national:
            qs = scope_by_body(qs, self.request.user)
        service = qs.filter(pk=service_id).first()
        if service is None:
            raise exceptions.ValidationError({"service": [_("No published service with this id in the key's scope.")]})
        return service

    def _unit(self, service: SubService, unit_id: int | None) -> OrgUnit:
        # The units offering the service; a service that lists none is offered by every unit of its body.
        offering = service.units.all() if service.units.exists() else service.body.units.all()
        units = scope_queryset(offering.select_related("province"), self.request.user, unit_field=None).order_by("path")
        unit = units.filter(pk=unit_id).first() if unit_id else units.first()
        if unit is None:
            raise exceptions.ValidationError({"unit": [
                _("This unit does not offer the service or is outside the key's scope.") if unit_id
                else _("No unit the key covers offers this service.")
            ]})
        return unit

    # -- stages --

    def _act(self, serializer_class, state: str, act, what: str) -> Response:
        sr = self.get_object()
        staff = self.acting_staff()
        data = self.input(serializer_class)
        stage = sr.stages.filter(state=state).order_by("order").first()
        if stage is None:
            message = (_("This request has no stage on hold.") if state == RequestStage.State.ON_HOLD
                       else _("This request has no stage waiting for action."))
            raise Conflict(message)
        act(stage=stage, staff=staff, data=data)
        self.audit(sr, what)
        return self._answer(sr.pk)

    @action(detail=True, methods=["post"])
    def complete(self, request, tracking_code=None):
        return self._act(s.StageActionSerializer, RequestStage.State.ACTIVE, lambda stage, staff, data:
                         desk_services.stage_complete(stage_id=stage.pk, by=staff, note=data["note"],
                                                      expected_version=data["version"]), "stage_complete")

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, tracking_code=None):
        return self._act(s.StageReturnSerializer, RequestStage.State.ACTIVE, lambda stage, staff, data:
                         desk_services.stage_return(stage_id=stage.pk, to_order=data["return_to"], by=staff,
                                                    note=data["note"], bring=data["bring"],
                                                    expected_version=data["version"]), "stage_return")

    @action(detail=True, methods=["post"])
    def hold(self, request, tracking_code=None):
        return self._act(s.StageHoldSerializer, RequestStage.State.ACTIVE, lambda stage, staff, data:
                         desk_services.request_hold(stage_id=stage.pk, by=staff, note=data["note"],
                                                    expected_version=data["version"]), "request_hold")

    @action(detail=True, methods=["post"])
    def resume(self, request, tracking_code=None):
        return self._act(s.StageActionSerializer, RequestStage.State.ON_HOLD, lambda stage, staff, data:
                         desk_services.request_resume(stage_id=stage.pk, by=staff, note=data["note"],
                                                      expected_version=data["version"]), "request_resume")


# --- cases -----------------------------------------------------------------------------------------

CASE_PARAMS = [OpenApiParameter("tracking_code", str, OpenApiParameter.PATH, description=_("Case tracking code."))]


@extend_schema_view(
    list=extend_schema(summary=_("Cases"), responses={200: s.CaseSerializer(many=True), **_errors(400)},
                       description=_("Cases handled now at the units the key covers, newest first.")),
    retrieve=extend_schema(summary=_("One case, by tracking code"), responses={200: s.CaseDetailSerializer, **_errors(404)}),
    create=extend_schema(
        summary=_("Register a case"), request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, **_errors(400)},
        examples=[OpenApiExample("A request case", request_only=True, value={
            "type": "request", "unit": 7, "channel": "online", "national_code": "0499370899",
            "full_name": "سارا محمدی", "mobile": "09121234567", "subject": "پیگیری پرونده",
            "description": "شرح درخواست", "duty": 4}), *ERROR_EXAMPLES],
    ),
    refer=extend_schema(summary=_("Refer a case"), request=s.CaseReferSerializer, parameters=CASE_PARAMS,
                        responses={200: s.CaseDetailSerializer, **_errors(400, 404)},
                        examples=[OpenApiExample("To another unit", request_only=True,
                                                 value={"kind": "unit", "to_unit": 9, "note": "در صلاحیت این واحد"})]),
    respond=extend_schema(summary=_("Answer and close a case"), request=s.CaseRespondSerializer, parameters=CASE_PARAMS,
                          responses={200: s.CaseDetailSerializer, **_errors(400, 404)},
                          examples=[OpenApiExample("Resolved", request_only=True,
                                                   value={"outcome": "resolved", "text": "درخواست انجام شد."})]),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Case.objects.none()
    lookup_field = "tracking_code"
    filterset_class = CaseFilter
    ordering = ("-created_at",)
    ordering_fields = ["created_at", "due_at"]
    required_scopes = {
        "list": Scope.CASES_READ,
        "retrieve": Scope.CASES_READ,
        "create": Scope.CASES_ACT,
        "refer": Scope.CASES_ACT,
        "respond": Scope.CASES_ACT,
    }

    def get_serializer_class(self):
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def scoped_queryset(self):
        qs = Case.objects.select_related("unit", "handling_unit", "body")
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("responses", queryset=CaseResponse.objects.select_related("unit").order_by("at", "id"))
            )
        return scope_queryset(qs, self.request.user, unit_field="handling_unit")

    def _answer(self, case_id: int, code: int = status.HTTP_200_OK) -> Response:
        # Not through the scoped queryset: a case referred away is still the caller's answer to see once.
        case = (Case.objects.select_related("unit", "handling_unit", "body")
                .prefetch_related(Prefetch("responses", queryset=CaseResponse.objects.select_related("unit")))
                .get(pk=case_id))
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    def _in_scope(self, model, pk, field: str, *, unit_field: str | None):
        if not pk:
            return None
        qs = model.objects.all()
        if unit_field is not False:
            qs = scope_queryset(qs, self.request.user, unit_field=unit_field)
        obj = qs.filter(pk=pk).first()
        if obj is None:
            raise exceptions.ValidationError({field: [_("No such object with this id in the key's scope.")]})
        return obj

    def _found(self, model, pk, field: str):
        if not pk:
            return None
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            raise exceptions.ValidationError({field: [_("No such object with this id.")]})
        return obj

    def create(self, request, *args, **kwargs):
        data = self.input(s.CaseCreateSerializer)
        key = self.client.api_key
        unit_id = data.get("unit") or key.unit_id
        if not unit_id:
            raise exceptions.ValidationError({"unit": [_("Name the unit that registers the case.")]})
        unit = self._in_scope(OrgUnit, unit_id, "unit", unit_field=None)
        unit = OrgUnit.objects.select_related("body", "province", "county", "parent").get(pk=unit.pk)
        case = case_services.case_register(
            case_type=data["type"], level=level_for_unit(unit), unit=unit, by=self.client.staff,
            channel=data["channel"],
            applicant=desk_services.Applicant(national_code=data["national_code"], full_name=data["full_name"],
                                              mobile=data["mobile"], email=data["email"]),
            subject=data["subject"], description=data["description"],
            service=self._found(SubService, data.get("service"), "service"),
            duty=self._found(BodyDuty, data.get("duty"), "duty"),
            referred_to=self._found(Body, data.get("referred_to"), "referred_to"),
            referral_note=data["referral_note"],
            complained_body=self._found(Body, data.get("complained_body"), "complained_body"),
            complained_unit=self._found(OrgUnit, data.get("complained_unit"), "complained_unit"),
            official_name=data["official_name"], official_post=data["official_post"],
            place=data["place"], happened_at=data.get("happened_at"),
            employee=self._in_scope(Staff, data.get("employee"), "employee", unit_field="unit"),
        )
        self.audit(case, "case_register")
        return self._answer(case.pk, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def refer(self, request, tracking_code=None):
        case = self.get_object()
        data = self.input(s.CaseReferSerializer)
        case = case_services.case_refer(
            case=case, kind=data["kind"], by=self.client.staff, note=data["note"],
            to_unit=self._found(OrgUnit, data.get("to_unit"), "to_unit"),
            to_body=self._found(Body, data.get("to_body"), "to_body"),
        )
        self.audit(case, "case_refer")
        return self._answer(case.pk)

    @action(detail=True, methods=["post"])
    def respond(self, request, tracking_code=None):
        case = self.get_object()
        data = self.input(s.CaseRespondSerializer)
        case_services.case_respond(case=case, by=self.client.staff, outcome=data["outcome"], text=data["text"])
        self.audit(case, "case_respond")
        return self._answer(case.pk)


# --- satisfaction ----------------------------------------------------------------------------------


class SatisfactionQuerySerializer(s.serializers.Serializer):
    start = MomentField(as_day=True, required=False)
    end = MomentField(as_day=True, required=False)

    def validate(self, attrs):
        today = timezone.localdate()
        month = jalali.to_jalali(today)
        next_month = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
        attrs.setdefault("start", jalali.jalali_to_gregorian(month.year, month.month, 1))
        attrs.setdefault("end", jalali.jalali_to_gregorian(*next_month, 1) - dt.timedelta(days=1))
        if attrs["start"] > attrs["end"]:
            raise s.serializers.ValidationError({"end": [_("The end comes before the start.")]})
        return attrs


PERIOD_PARAMS = [
    OpenApiParameter("start", str, description=_("First day (default: the current Jalali month). ") + str(DATE_HELP),
                     examples=[OpenApiExample("Jalali", value="1405-09-01"), OpenApiExample("ISO", value="2026-11-22")]),
    OpenApiParameter("end", str, description=_("Last day, inclusive. ") + str(DATE_HELP)),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("Satisfaction index"), parameters=PERIOD_PARAMS, filters=False,
        description=_("The satisfaction index (0–100) of the units the key covers for a period, overall and per "
                      "axis of table 5."),
        responses={200: s.SatisfactionSerializer, **_errors(400)},
        examples=[OpenApiExample("An index", response_only=True, value={
            "start": "2026-11-22", "end": "2026-12-21", "overall": 81.5, "answers": 320,
            "axes": [{"order": 1, "title": "اطلاع‌رسانی", "index": 84.0, "count": 60, "questions": [1, 2, 3]}]})],
    ),
)
class SatisfactionViewSet(ApiViewSet):
    schema = OneObjectSchema()
    pagination_class = None
    filter_backends: list = []
    required_scopes = {"*": Scope.REPORTS_READ}

    def list(self, request):
        period = self.input(SatisfactionQuerySerializer, request.query_params)
        since, until = jalali.tehran_bounds(period["start"], period["end"])
        answers = answers_in_scope(user=request.user).filter(submitted_at__gte=since, submitted_at__lt=until)
        axes = axis_indices(answers)
        body = {
            "start": period["start"], "end": period["end"], "overall": overall_index(answers),
            "answers": answers.count(),
            "axes": [{"order": a.order, "title": a.title, "index": a.index, "count": a.count,
                      "questions": list(a.questions)} for a in axes],
        }
        return Response(s.SatisfactionSerializer(body).data)


# --- reports ---------------------------------------------------------------------------------------


def reports_covered(user):
    """The compiled reports whose whole territory lies within the key's scope: a body's report when
    every unit of the body is in it, a province's or county's when every unit there is, the
    country's for a national key only."""
    qs = Report.objects.filter(status=Report.Status.DONE).select_related("body", "county", "province")
    if user.api_key.national:
        return qs
    units = scope_queryset(OrgUnit.objects.all(), user, unit_field=None)
    outside = OrgUnit.objects.exclude(pk__in=units.values("pk"))
    provinces = units.filter(province__isnull=False).exclude(
        province_id__in=outside.filter(province__isnull=False).values("province_id")
    ).values("province_id")
    counties = units.filter(county__isnull=False).exclude(
        county_id__in=outside.filter(county__isnull=False).values("county_id")
    ).values("county_id")
    return qs.filter(Q(body__in=bodies_within(units)) | Q(province_id__in=provinces) | Q(county_id__in=counties))


@extend_schema_view(
    list=extend_schema(summary=_("Compiled reports"), responses={200: s.ReportSerializer(many=True), **_errors(400)},
                       description=_("The compiled periodic reports whose territory the key covers, newest first.")),
    retrieve=extend_schema(summary=_("One report with its frozen figures"),
                           responses={200: s.ReportDetailSerializer, **_errors(404)}),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Report.objects.none()
    ordering = ("-pk",)
    ordering_fields = ["period"]
    required_scopes = {"*": Scope.REPORTS_READ}

    def get_serializer_class(self):
        return s.ReportSerializer if self.action == "list" else s.ReportDetailSerializer

    def scoped_queryset(self):
        qs = reports_covered(self.request.user)
        if self.action == "list":
            qs = qs.defer("figures")
        return qs
