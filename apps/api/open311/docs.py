"""How /api/schema/ describes the Open311 endpoints: summaries, parameters, the JSON shapes of the
spec, and for each `.xml` path the same example rendered as the spec's XML."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from apps.api.open311.renderers import xml_document

DEFAULT_CONTACT = "The portal's administrator (see the portal's help page)."

_STR = {"type": "string"}
_NULLABLE_STR = {"type": "string", "nullable": True}

ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                     "properties": {"code": {"type": "integer"}, "description": _STR}}}
SERVICE = {"type": "object", "properties": {
    "service_code": _STR, "service_name": _STR, "description": _STR, "metadata": {"type": "boolean"},
    "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]}, "keywords": _STR, "group": _STR,
}}
ATTRIBUTE = {"type": "object", "properties": {
    "variable": {"type": "boolean"}, "code": _STR,
    "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                            "multivaluelist"]},
    "required": {"type": "boolean"}, "datatype_description": _STR, "order": {"type": "integer"},
    "description": _STR,
    "values": {"type": "array", "items": {"type": "object", "properties": {"key": _STR, "name": _STR}}},
}}
REQUEST = {"type": "object", "properties": {
    "service_request_id": _STR, "status": {"type": "string", "enum": ["open", "closed"]}, "status_notes": _STR,
    "service_name": _STR, "service_code": _STR, "description": _STR, "agency_responsible": _STR,
    "service_notice": _STR, "requested_datetime": {"type": "string", "format": "date-time"},
    "updated_datetime": {"type": "string", "format": "date-time"},
    "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
    "address": _STR, "address_id": _STR, "zipcode": _STR, "lat": {"type": "number", "nullable": True},
    "long": {"type": "number", "nullable": True}, "media_url": _STR,
}}

_EX_DATE = "2026-12-06T11:30:00+03:30"
EX_REQUEST = {
    "service_request_id": "40123456787", "status": "open", "status_notes": "In progress — stage 2 of 3: Review",
    "service_name": "Certificate", "service_code": "11001", "description": "",
    "agency_responsible": "Provincial office", "service_notice": "The response is due by 1405/09/20.",
    "requested_datetime": _EX_DATE, "updated_datetime": _EX_DATE, "expected_datetime": "2026-12-11T14:00:00+03:30",
    "address": "", "address_id": "", "zipcode": "", "lat": None, "long": None, "media_url": "",
}

_JURISDICTION = OpenApiParameter("jurisdiction_id", int, description="A body's id: only that body's services.")


def _spec(**kwargs) -> dict:
    return kwargs


DISCOVERY = _spec(
    summary="Discovery", root="discovery",
    description="Where this GeoReport v2 endpoint is, which formats it speaks, and whom to ask for an API key.",
    schema={"type": "object", "properties": {
        "changeset": _STR, "contact": _STR, "key_service": _STR,
        "endpoints": {"type": "array", "items": {"type": "object", "properties": {
            "specification": _STR, "url": _STR, "changeset": _STR, "type": _STR,
            "formats": {"type": "array", "items": _STR}}}},
    }},
    example={"changeset": _EX_DATE, "contact": DEFAULT_CONTACT, "key_service": "API keys are issued by …",
             "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                            "url": "https://portal.example.ir/open311/v2", "changeset": _EX_DATE,
                            "type": "production", "formats": ["text/xml", "application/json"]}]},
    errors=(),
)
SERVICES = _spec(
    summary="Service list", root="services", item="service",
    description="Every sub-service the public catalog shows today; `group` is the executive body.",
    parameters=[_JURISDICTION],
    schema={"type": "array", "items": SERVICE},
    example=[{"service_code": "11001", "service_name": "Certificate", "description": "…", "metadata": True,
              "type": "realtime", "keywords": "G2C, Body", "group": "Body"}],
    errors=(400,),
)
SERVICE_DEFINITION = _spec(
    summary="Service definition", root="service_definition",
    description=(
        "The attributes a request for this service takes, as `attribute[<code>]` fields of the POST: "
        "`national_code`, for services to legal entities `legal_id` and `legal_name`, and one `doc_<id>` per "
        "required document (`attached`: its scan is the POST's `media` or `media_url`, at most one; `desk`: "
        "brought to the desk). The spec's own fields carry the applicant: `first_name` and `last_name` (the "
        "full name, required), `phone` (the applicant's mobile, required) and `email` (optional). A service "
        "code is unique within one body: when several bodies use it, give `jurisdiction_id`."
    ),
    parameters=[_JURISDICTION],
    schema={"type": "object", "properties": {"service_code": _STR, "attributes": {"type": "array", "items": ATTRIBUTE}}},
    example={"service_code": "11001", "attributes": [
        {"variable": True, "code": "national_code", "datatype": "string", "required": True,
         "datatype_description": "10 digits, the last one a check digit.", "order": 1,
         "description": "The applicant's national code."},
        {"variable": True, "code": "doc_7", "datatype": "singlevaluelist", "required": True,
         "datatype_description": "", "order": 2, "description": "ID card",
         "values": [{"key": "attached", "name": "The scan is sent as media"},
                    {"key": "desk", "name": "The applicant brings it to the desk."}]},
    ]},
    errors=(400, 404),
)
REQUESTS = _spec(
    summary="Service requests", root="service_requests", item="request",
    description=(
        "The public status of requests, newest first; no personal data. Without dates, the last 90 days; a "
        "window may not exceed 90 days. `service_request_id` overrides every other filter. `page` and "
        "`page_size` (at most 1000, default 100) are this portal's extension."
    ),
    parameters=[
        OpenApiParameter("service_request_id", str, description="Tracking codes, comma separated."),
        OpenApiParameter("service_code", str, description="Service codes, comma separated."),
        OpenApiParameter("start_date", OpenApiTypes.DATETIME, description="W3C, e.g. 2026-01-01T00:00:00Z."),
        OpenApiParameter("end_date", OpenApiTypes.DATETIME, description="W3C; at most 90 days after start_date."),
        OpenApiParameter("status", str, description="open, closed, or both comma separated."),
        _JURISDICTION,
        OpenApiParameter("page", int, description="From 1."),
        OpenApiParameter("page_size", int, description="1 to 1000, default 100."),
    ],
    schema={"type": "array", "items": REQUEST}, example=[EX_REQUEST], errors=(400,),
)
REQUEST_CREATE = _spec(
    summary="File a service request",
    root="service_requests", item="request",
    description=(
        "Form-encoded (multipart to send `media`). Needs `api_key`, a key with the `requests:file` scope that "
        "covers a unit offering the service; a missing or invalid key, or one without that scope or unit, is "
        "a 403. Checked as on the e-desk (national code, mobile, scans). `address_id` chooses the receiving "
        "unit among those. The answer carries the tracking code as `service_request_id`."
    ),
    request={
        "application/x-www-form-urlencoded": {"type": "object", "required": [
            "api_key", "service_code", "attribute[national_code]", "first_name", "last_name", "phone",
        ], "properties": {
            "api_key": _STR, "service_code": _STR, "jurisdiction_id": _STR,
            "attribute[national_code]": _STR, "attribute[legal_id]": _STR, "attribute[legal_name]": _STR,
            "attribute[doc_<id>]": {"type": "string", "enum": ["attached", "desk"]},
            "first_name": _STR, "last_name": _STR, "phone": _STR, "email": _STR, "description": _STR,
            "lat": _STR, "long": _STR, "address_string": _STR, "address_id": _STR, "media_url": _STR,
        }},
        "multipart/form-data": {"type": "object", "properties": {
            "api_key": _STR, "service_code": _STR, "media": {"type": "string", "format": "binary"},
        }},
    },
    schema={"type": "array", "items": {"type": "object", "properties": {
        "service_request_id": _STR, "service_notice": _STR, "account_id": _NULLABLE_STR}}},
    example=[{"service_request_id": "40123456787", "service_notice": "Registered. The response is due by …",
              "account_id": None}],
    errors=(400, 403, 404),
)
REQUEST = _spec(
    summary="One service request", root="service_requests", item="request",
    description="The public status of one request, by its tracking code, in a one-element list.",
    schema={"type": "array", "items": REQUEST}, example=[EX_REQUEST], errors=(404,),
)
TOKEN = _spec(
    summary="Service request id from a token", root="service_requests", item="request",
    description="A POST answers the tracking code at once, so the token is the tracking code itself.",
    schema={"type": "array", "items": {"type": "object", "properties": {"service_request_id": _STR, "token": _STR}}},
    example=[{"service_request_id": "40123456787", "token": "40123456787"}], errors=(404,),
)

_ERROR_TEXT = {400: "The parameters are not valid.", 403: "No valid API key with the needed scope.",
               404: "Not found."}


def schema_for(fmt: str, base: type, *, summary: str, description: str, schema: dict, example, root: str,
               item: str = "", errors=(400, 404), parameters=(), request=None) -> dict:
    """extend_schema's arguments for one endpoint in one format."""
    media = "application/json" if fmt == "json" else "text/xml"

    def body(data, root_, item_=""):
        return data if fmt == "json" else xml_document(data, root=root_, item=item_)

    def answer(data_schema, data, root_, item_, text):
        return OpenApiResponse(
            response=data_schema if fmt == "json" else {"type": "string"}, description=text,
            examples=[OpenApiExample(text, value=body(data, root_, item_), media_type=media)],
        )

    responses = {200: answer(schema, example, root, item, summary)}
    for code in errors:
        responses[code] = answer(ERRORS, [{"code": code, "description": _ERROR_TEXT[code]}], "errors", "error",
                                 _ERROR_TEXT[code])
    kwargs = {
        "summary": f"{summary} ({fmt.upper()})", "description": description, "responses": responses,
        "parameters": list(parameters), "tags": ["Open311 GeoReport v2"],
        "operation_id": f"open311_{base.__name__.removesuffix('View').lower()}_{fmt}",
        "auth": [],
    }
    if request is not None:
        kwargs["request"] = request
        kwargs["operation_id"] = f"open311_request_create_{fmt}"
    return kwargs
