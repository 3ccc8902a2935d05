"""GeoReport v2's two formats: JSON as the spec shows it, and XML with the spec's element names.

The XML is built with xml.etree (which escapes) from the same data the JSON is rendered from: a list
becomes the view's root element with one child per item (`<services><service>…`), a nested list
takes the singular of its name (`<attributes><attribute>`), booleans read `true`/`false` and null
an empty element. An error answer is always `<errors><error>`.
"""

import re
import xml.etree.ElementTree as ET

from rest_framework.renderers import BaseRenderer, JSONRenderer

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Nested lists and the element of each of their items.
ITEM_NAMES = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot carry at all (escaping does not help): dropped rather than breaking the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value, name: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list | tuple):
        item = ITEM_NAMES.get(name, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child, item)
    else:
        element.text = _text(value)


def xml_document(data, *, root: str, item: str = "") -> str:
    """`data` (a dict, or a list of dicts under `root` with one `item` each) as a GeoReport XML document."""
    element = ET.Element(root)
    if isinstance(data, list):
        for child in data:
            _fill(ET.SubElement(element, item), child, item)
    else:
        _fill(element, data, root)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


class Open311JSONRenderer(JSONRenderer):
    charset = "utf-8"  # the spec's clients expect the charset spelled out


class Open311XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        view = context.get("view")
        if response is not None and response.status_code >= 400:
            root, item = "errors", "error"
        else:
            root, item = getattr(view, "xml_root", "response"), getattr(view, "xml_item", "item")
        return xml_document(data if data is not None else [], root=root, item=item).encode("utf-8")
