"""What /api/v1/ reads and answers. Serializers only shape data: every write is a service function,
called by the views (apps.api.v1.views) after these have checked the input's shape and length."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.v1.dates import MomentField
from apps.cases.models import Case, CaseEvent, CaseResponse, CaseType
from apps.catalog.models import Fee, RequiredDocument, SubService, WorkflowStage
from apps.core import limits
from apps.desk.models import RequestStage, ServiceRequest
from apps.orgs.models import Body, OrgUnit
from apps.reports.models import Report

MAX_ID = 2**31 - 1
# What people type around the digits of a code or a number (spaces, dashes, +98) still fits.
IDENTIFIER_LENGTH = 20


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ErrorSerializer(serializers.Serializer):
    """Every error of /api/v1/ (apps.api.errors)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text=_("Per field, a list of messages (or, for a nested field, the same shape again); "
                    "non_field_errors: the whole input. Only with code invalid."),
    )


class BodyRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Body
        fields = ["id", "name"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name"]


# --- catalog ---------------------------------------------------------------------------------------


class ServiceDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["id", "title", "form", "upload_required"]


class ServiceStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkflowStage
        fields = ["order", "title", "responsible_post", "duration", "duration_unit"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["title", "amount_rials", "account", "legal_basis"]


class ServiceSerializer(serializers.ModelSerializer):
    body = BodyRefSerializer(read_only=True)
    documents = ServiceDocumentSerializer(many=True, read_only=True)
    stages = ServiceStageSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True)

    class Meta:
        model = SubService
        fields = ["id", "code", "title", "description", "service_type", "channel", "body", "documents", "stages",
                  "fees"]


# --- requests --------------------------------------------------------------------------------------


class RequestServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubService
        fields = ["id", "code", "title"]


class RequestStageSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = RequestStage
        fields = ["order", "title", "unit", "state", "due_at", "finished_at"]


class ApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRequest
        fields = ["national_code", "full_name", "mobile", "email", "legal_id", "legal_name"]


class RequestSerializer(serializers.ModelSerializer):
    service = RequestServiceRefSerializer(read_only=True)
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ["tracking_code", "service", "unit", "channel", "status", "outcome", "received_at", "promised_at",
                  "updated_at", "version"]


class RequestDetailSerializer(RequestSerializer):
    """One request with its stages; the applicant only for a key that reads requests (context
    `personal`): the body's own systems, not a system that only files or acts on stages."""

    stages = RequestStageSerializer(many=True, read_only=True)
    applicant = serializers.SerializerMethodField(
        help_text=_("The applicant's details; null unless the key has the requests:read scope.")
    )

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "stages", "applicant"]

    @extend_schema_field(ApplicantSerializer(allow_null=True))
    def get_applicant(self, obj):
        if not self.context.get("personal"):
            return None
        return ApplicantSerializer(obj).data


class IntakeDocumentSerializer(serializers.Serializer):
    document = _id(help_text=_("Id of a required document of the service (catalog documents[].id)."))
    received = serializers.BooleanField(
        default=False,
        help_text=_("The integrating system holds this document. A document that must be uploaded needs its "
                    "file (multipart field doc_<id>_file) instead."),
    )


class RequestCreateSerializer(serializers.Serializer):
    """A request filed online by an integrating system; the same checks as the e-desk's form."""

    service = _id(help_text=_("Id of a published sub-service of a body the key covers."))
    unit = _id(required=False, allow_null=True,
               help_text=_("Desk unit; by default the first unit the key covers that offers the service."))
    national_code = serializers.CharField(max_length=IDENTIFIER_LENGTH)
    full_name = serializers.CharField(max_length=200)
    mobile = serializers.CharField(max_length=IDENTIFIER_LENGTH)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    legal_id = serializers.CharField(max_length=IDENTIFIER_LENGTH, required=False, allow_blank=True, default="",
                                     help_text=_("Required for a service to legal entities (G2B)."))
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    documents = IntakeDocumentSerializer(many=True, required=False, default=list, max_length=100)


class RequestCreateMultipartSerializer(RequestCreateSerializer):
    """The same as JSON, with the scans attached: `documents` is then JSON text, and each scan is a
    file field named doc_<document id>_file (PDF, JPEG or PNG, at most 5 MB)."""

    documents = serializers.CharField(
        required=False, max_length=10_000,
        help_text=_('JSON text: [{"document": 12, "received": true}, …]'),
    )
    doc_id_file = serializers.FileField(
        required=False, help_text=_("Stands for one field per document, named doc_<document id>_file (the document's id "
                    "from the catalog)."),
    )


class StageActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0, max_value=MAX_ID,
        help_text=_("The request's version as last read: if it changed meanwhile the answer is 409."),
    )
    note = serializers.CharField(max_length=limits.NOTE, required=False, allow_blank=True, default="")


class StageHoldSerializer(StageActionSerializer):
    note = serializers.CharField(max_length=limits.NOTE, help_text=_("The inquiry the request waits for."))


class StageReturnSerializer(StageActionSerializer):
    note = serializers.CharField(max_length=limits.NOTE, help_text=_("Why the request is referred back."))
    return_to = serializers.IntegerField(min_value=1, max_value=32767, help_text=_("Order of an earlier stage."))
    bring = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text=_("What the applicant must bring to the desk; they are told by SMS."),
    )


# --- cases -----------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    handling_unit = UnitRefSerializer(read_only=True)
    body = BodyRefSerializer(read_only=True)

    class Meta:
        model = Case
        fields = ["tracking_code", "type", "level", "channel", "state", "subject", "unit", "handling_unit", "body",
                  "service", "created_at", "due_at", "closed_at"]


class CaseApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["national_code", "full_name", "mobile", "email"]


class CaseResponseSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = CaseResponse
        fields = ["outcome", "text", "at", "unit"]


class CaseDetailSerializer(CaseSerializer):
    applicant = CaseApplicantSerializer(source="*", read_only=True)
    responses = CaseResponseSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "description", "routing_note", "applicant", "responses"]


class CaseCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CaseType.choices)
    unit = _id(required=False, allow_null=True,
               help_text=_("The registering unit (one the key covers); by default the key's own unit."))
    channel = serializers.ChoiceField(choices=Case.Channel.choices, default=Case.Channel.ONLINE)
    national_code = serializers.CharField(max_length=IDENTIFIER_LENGTH)
    full_name = serializers.CharField(max_length=200)
    mobile = serializers.CharField(max_length=IDENTIFIER_LENGTH)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=limits.TEXT)
    service = _id(required=False, allow_null=True, help_text=_("A catalog service of the body the case is about."))
    duty = _id(required=False, allow_null=True, help_text=_("A duty of the body the case is about."))
    referred_to = _id(required=False, allow_null=True,
                      help_text=_("Outside the body's duties: the competent body (id) it goes to."))
    referral_note = serializers.CharField(max_length=limits.NOTE, required=False, allow_blank=True, default="")
    complained_body = _id(required=False, allow_null=True)
    complained_unit = _id(required=False, allow_null=True)
    official_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    official_post = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    happened_at = MomentField(required=False, allow_null=True)
    employee = _id(required=False, allow_null=True, help_text=_("Thanks: the staff member thanked."))


class CaseReferSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[
        (k, CaseEvent.ReferralKind(k).label)
        for k in (CaseEvent.ReferralKind.UNIT, CaseEvent.ReferralKind.BODY, CaseEvent.ReferralKind.UPWARD)
    ])
    to_unit = _id(required=False, allow_null=True, help_text=_("kind unit: a unit of the same body."))
    to_body = _id(required=False, allow_null=True, help_text=_("kind body: the competent body."))
    note = serializers.CharField(max_length=limits.NOTE)


class CaseRespondSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CaseResponse.Outcome.choices)
    text = serializers.CharField(max_length=limits.TEXT)


# --- satisfaction and reports ---------------------------------------------------------------------


class AxisIndexSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    title = serializers.CharField()
    index = serializers.FloatField(help_text=_("0–100"))
    count = serializers.IntegerField(help_text=_("Answers behind it."))
    questions = serializers.ListField(child=serializers.IntegerField())


class SatisfactionSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    overall = serializers.FloatField(allow_null=True, help_text=_("0–100; null when nobody answered."))
    answers = serializers.IntegerField()
    axes = AxisIndexSerializer(many=True)


class ReportSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(source="scope_key", read_only=True)
    period_label = serializers.CharField(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "kind", "period", "period_label", "scope", "body", "county", "province", "finished_at"]


class ReportDetailSerializer(ReportSerializer):
    figures = serializers.JSONField(read_only=True, help_text=_("The frozen figures of the compilation."))

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "figures"]
