"""The OpenAPI document's shared parts: every operation says how it fails.

drf-spectacular describes what each view declares; this post-processing hook adds the errors any
call can meet (bad input, no or wrong key, missing scope, not found or outside the key's scope,
throttled) where a view did not declare them itself, in the shape the handler writes them
(apps.api.errors): `{detail, code, errors}` for /api/v1/, Open311's `[{code, description}]` (JSON,
or `<errors>` in XML) for /open311/v2/.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

API_ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail", "code"],
}
OPEN311_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
XML_ERRORS = {"type": "string", "description": "<errors><error><code/><description/></error></errors>"}

DESCRIPTIONS = {
    "400": "The input is not valid: the description says which field and why.",
    "401": "No API key, or a key that is wrong or revoked (`Authorization: Api-Key <key>`).",
    "403": "The key lacks the scope this call needs (Open311: the api_key is missing or not valid).",
    "404": "Not found, or outside the units the key covers.",
    "405": "This method is not allowed here.",
    "406": "The requested format cannot be produced.",
    "409": "Someone acted first: the version given is no longer the request's version.",
    "415": "The body's media type is not accepted.",
    "429": "Too many calls: wait for the number of seconds in Retry-After.",
}
COMMON = ("400", "404", "405", "406", "415", "429")


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How apps.api.auth.ApiKeyAuthentication appears in the document."""

    target_class = "apps.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`, as issued by the administrator (also `X-Api-Key: <key>`)."}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", API_ERROR)  # /api/v1/ declares it (ErrorSerializer)
    components.setdefault("Open311Errors", OPEN311_ERRORS)
    for path, operations in result.get("paths", {}).items():
        open311 = path.startswith("/open311/")
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            statuses = list(COMMON)
            if open311:
                statuses.append("403")
            else:
                statuses += ["401", "403"]
            if method == "post" and not open311:
                statuses.append("409")
            if open311:
                content = ({"text/xml": {"schema": XML_ERRORS}} if path.endswith(".xml")
                           else {"application/json": {"schema": {"$ref": "#/components/schemas/Open311Errors"}}})
            else:
                content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            for status in statuses:
                responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": content})
    return result
