"""Filing a request through Open311 (POST requests): the service definition's attributes, read back
into the e-desk's own IntakeForm, so that a national code, a mobile or a scan is checked exactly as
on the e-desk, and registered through the one registration service.

Each required document is an attribute `doc_<id>`: `attached` (its scan is the call's `media` or
`media_url`; Open311 carries one file, so at most one document can be attached) or `desk` (brought
to the desk; not offered when the catalog requires the scan).
"""

import urllib.error
import urllib.request
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from rest_framework import exceptions

from apps.catalog.models import Channel, SubService
from apps.core.jalali import format_date
from apps.core.net import outbound_url_problem
from apps.core.scoping import scope_queryset
from apps.core.uploads import MAX_SCAN_BYTES
from apps.desk.models import ServiceRequest
from apps.orgs.models import OrgUnit

ATTACHED, DESK = "attached", "desk"
MEDIA_URL_TIMEOUT = 5
MAX_NAME = 100  # first_name, last_name: the full name they make is at most 200 characters


def _attribute(code: str, description: str, *, order: int, datatype: str = "string", datatype_description: str = "",
               values: list | None = None) -> dict:
    attribute = {
        "variable": True, "code": code, "datatype": datatype, "required": True,
        "datatype_description": datatype_description, "order": order, "description": description,
    }
    if values is not None:
        attribute["values"] = values
    return attribute


def service_definition(service: SubService) -> dict:
    """The GeoReport service definition: who applies, and each required document of the catalog."""
    attributes = [
        _attribute("national_code", _("The applicant's national code."), order=1,
                   datatype_description=_("10 digits, the last one a check digit.")),
    ]
    if service.service_type == "G2B":
        attributes.append(_attribute("legal_id", _("The legal entity's national ID."), order=0,
                                     datatype_description=_("11 digits.")))
        attributes.append(_attribute("legal_name", _("The legal entity's name."), order=0,
                                     datatype_description=_("At most 200 characters.")))
    for doc in service.documents.all():
        values = [{"key": ATTACHED, "name": _("The scan is sent as media (PDF, JPEG or PNG, at most 5 MB).")}]
        if not doc.upload_required:
            values.append({"key": DESK, "name": _("The applicant brings it to the desk.")})
        attributes.append(_attribute(f"doc_{doc.pk}", doc.title, order=0, datatype="singlevaluelist", values=values))
    for n, attribute in enumerate(attributes, start=1):
        attribute["order"] = n
    return {"service_code": service.code, "attributes": attributes}


def _bad(message) -> exceptions.ValidationError:
    return exceptions.ValidationError(str(message))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address outbound_url_problem never saw.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def media_url_fetch(url: str) -> SimpleUploadedFile:
    """The file at a media_url, read like an upload (at most one byte past the limit, so that the
    upload checks can say it is too large); the address is checked first and redirects are not followed."""
    if len(url) > 500:
        raise _bad(_("media_url is too long."))
    problem = outbound_url_problem(url)
    if problem:
        raise _bad(_("media_url: %(problem)s") % {"problem": problem})
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(urllib.request.Request(url, method="GET"), timeout=MEDIA_URL_TIMEOUT) as answer:  # noqa: S310
            data = answer.read(MAX_SCAN_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _bad(_("The file at media_url could not be fetched.")) from exc
    name = PurePosixPath(urlsplit(url).path).name[:100] or "media"
    return SimpleUploadedFile(name, data)


def _field(post, name: str, limit: int) -> str:
    value = str(post.get(name, "") or "").strip()
    if len(value) > limit:
        raise _bad(_("%(name)s is too long (at most %(n)s characters).") % {"name": name, "n": limit})
    return value


def desk_unit(service: SubService, client, address_id: str) -> OrgUnit:
    """The desk that receives the request: a unit that offers the service (the body's units when the
    catalog names none) and that the key covers — the one named by address_id, else the first."""
    offering = service.units.all() if service.units.exists() else service.body.units.all()
    units = scope_queryset(OrgUnit.objects.filter(pk__in=offering.values("pk")), client, unit_field=None)
    units = units.select_related("province").order_by("path")
    if address_id:
        if not (address_id.isascii() and address_id.isdigit() and len(address_id) < 12):
            raise _bad(_("address_id must be the id of a unit that offers this service."))
        unit = units.filter(pk=int(address_id)).first()
        if unit is None:
            raise _bad(_("address_id must be the id of a unit that offers this service and that this key covers."))
        return unit
    unit = units.first()
    if unit is None:
        raise exceptions.PermissionDenied(_("This key does not cover a unit that offers this service."))
    return unit


def open311_request_file(*, service: SubService, client, post, files, address: str) -> ServiceRequest:
    """Check and register one Open311 request; raises DRF's ValidationError (400) or
    PermissionDenied (403) with a message for the integrating system."""
    from apps.core.services import change_record
    from apps.desk import services
    from apps.desk.forms import IntakeForm

    if service.channel not in (Channel.ELECTRONIC, Channel.HYBRID):
        raise _bad(_("This service is offered in person only; it cannot be requested online."))
    documents = list(service.documents.all())
    choices = {}
    for doc in documents:
        value = _field(post, f"attribute[doc_{doc.pk}]", 20)
        allowed = [ATTACHED] if doc.upload_required else [ATTACHED, DESK]
        if value not in allowed:
            raise _bad(_("attribute[doc_%(id)s] (%(title)s) must be one of: %(values)s.")
                       % {"id": doc.pk, "title": doc.title, "values": ", ".join(allowed)})
        choices[doc.pk] = value
    attached = [doc for doc in documents if choices[doc.pk] == ATTACHED]
    if len(attached) > 1:
        raise _bad(_("Open311 carries one file: at most one document can be attached."))
    media_url = _field(post, "media_url", 2000)
    media = files.get("media") if files is not None else None
    if media is not None and media_url:
        raise _bad(_("Send either media or media_url, not both."))
    if (media is not None or media_url) and not attached:
        raise _bad(_("A file was sent, but no document is marked as attached."))
    if attached and media is None and not media_url:
        raise _bad(_("A document is marked as attached, but no media or media_url was sent."))

    first, last = _field(post, "first_name", MAX_NAME), _field(post, "last_name", MAX_NAME)
    data = {
        "national_code": _field(post, "attribute[national_code]", 20),
        "full_name": f"{first} {last}".strip(),
        "mobile": _field(post, "phone", 20),
        "email": _field(post, "email", 254),
    }
    if service.service_type == "G2B":
        data["legal_id"] = _field(post, "attribute[legal_id]", 20)
        data["legal_name"] = _field(post, "attribute[legal_name]", 200)
    _field(post, "description", 4000)  # accepted as the spec allows, not kept
    upload = {}
    if attached:
        upload[f"doc_{attached[0].pk}_file"] = media if media is not None else media_url_fetch(media_url)

    unit = desk_unit(service, client, _field(post, "address_id", 20))
    form = IntakeForm(data, upload, service=service, online=True, owner=f"api:{client.api_key.prefix}")
    if not form.is_valid():
        problems = []
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            problems.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        raise _bad(" ".join(problems))
    cleaned = form.cleaned_data
    intake_documents = form.documents()
    missing = [d.title for d in intake_documents if not d.received]
    try:
        sr = services.service_request_register(
            service=service, unit=unit, channel=ServiceRequest.Channel.ONLINE,
            applicant=services.Applicant(
                national_code=cleaned["national_code"], full_name=cleaned["full_name"], mobile=cleaned["mobile"],
                email=cleaned.get("email", ""), legal_id=cleaned.get("legal_id", ""),
                legal_name=cleaned.get("legal_name", ""),
            ),
            documents=intake_documents,
            incomplete_reason=_("Not attached online; the applicant brings them to the desk: %(docs)s")
            % {"docs": "، ".join(missing)} if missing else "",
        )
    except ValidationError as exc:
        raise _bad(" ".join(exc.messages)) from exc
    key = client.api_key
    change_record(target=sr, action="api_registered", actor=client.user,
                  note=f"Open311, API key {key.prefix} ({key.name}), from {address}")
    return sr


def service_notice(sr: ServiceRequest) -> str:
    """What the integrating system tells the applicant after filing: the promised date and what next."""
    return _(
        "Registered. The response is due by %(date)s (Jalali); the applicant gets the tracking code by SMS "
        "and can follow the request with it. Documents marked for the desk are brought there."
    ) % {"date": format_date(sr.promised_at, persian_digits=False)}
