"""JSON schemas of the GeoReport v2 objects, written from the spec (http://wiki.open311.org/GeoReport_v2)
and not from the portal's code, so that a response that drifts from the spec fails. `from_xml` turns
an XML answer into the JSON it must equal, so both formats are checked against the same schemas."""

import xml.etree.ElementTree as ET

import jsonschema

STR = {"type": "string"}
W3C = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"}


def _obj(properties: dict, required=None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


def _list(item: dict, min_items: int = 0) -> dict:
    return {"type": "array", "items": item, "minItems": min_items}


ERRORS = _list(_obj({"code": {"type": "integer", "enum": [400, 403, 404, 405, 429]}, "description": STR}), 1)
DISCOVERY = _obj({
    "changeset": W3C, "contact": STR, "key_service": STR,
    "endpoints": _list(_obj({
        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"}, "url": STR, "changeset": W3C,
        "type": {"enum": ["production", "test"]},
        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}, "minItems": 2},
    }), 1),
})
SERVICES = _list(_obj({
    "service_code": STR, "service_name": STR, "description": STR, "metadata": {"type": "boolean"},
    "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": STR, "group": STR,
}))
_VALUE = _obj({"key": STR, "name": STR})
SERVICE_DEFINITION = _obj({
    "service_code": STR,
    "attributes": _list({
        **_obj({
            "variable": {"type": "boolean"}, "code": STR,
            "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
            "required": {"type": "boolean"}, "datatype_description": STR, "order": {"type": "integer", "minimum": 1},
            "description": STR, "values": _list(_VALUE, 1),
        }, required=["variable", "code", "datatype", "required", "datatype_description", "order", "description"]),
    }, 1),
})
REQUESTS = _list(_obj({
    "service_request_id": STR, "status": {"enum": ["open", "closed"]}, "status_notes": STR,
    "service_name": STR, "service_code": STR, "description": STR, "agency_responsible": STR,
    "service_notice": STR, "requested_datetime": W3C, "updated_datetime": W3C,
    "expected_datetime": {"anyOf": [W3C, {"type": "null"}]}, "address": STR, "address_id": STR, "zipcode": STR,
    "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]}, "media_url": STR,
}))
POST_ANSWER = _list(_obj({"service_request_id": STR, "service_notice": STR,
                          "account_id": {"type": ["string", "null"]}}), 1)
TOKENS = _list(_obj({"service_request_id": STR, "token": STR}), 1)

# How each XML answer maps back to JSON: the elements that are lists, the typed leaves.
_LISTS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
_BOOLEANS = {"metadata", "variable", "required"}
_INTEGERS = {"order", "code"}
_NULLABLE = {"lat", "long", "account_id", "expected_datetime"}


def _leaf(name: str, text: str | None):
    text = text or ""
    if name in _BOOLEANS:
        assert text in ("true", "false"), f"{name} must be true or false, not {text!r}"
        return text == "true"
    if name in _INTEGERS and text.isdigit():
        return int(text)
    if name in _NULLABLE and text == "":
        return None
    return text


def _element(element: ET.Element, name: str):
    if name in _LISTS:
        return [_element(child, child.tag) for child in element]
    if len(element):
        return {child.tag: _element(child, child.tag) for child in element}
    return _leaf(name, element.text)


def from_xml(body: bytes, *, root: str, item: str = ""):
    """The JSON an XML answer stands for (a list under `root` when `item` is given)."""
    text = body.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>'), text[:60]
    tree = ET.fromstring(body)  # noqa: S314 - the portal's own answer, in a test
    assert tree.tag == root, tree.tag
    if item:
        assert all(child.tag == item for child in tree), [child.tag for child in tree]
        return [_element(child, item) for child in tree]
    return _element(tree, root)


def valid(data, schema) -> None:
    jsonschema.validate(data, schema)
