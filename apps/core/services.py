"""The one change log: every state change that matters is recorded through `change_record`."""

import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.core.models import ChangeRecord


def model_snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The concrete field values of a row as JSON-safe data (foreign keys as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or (not field.editable and not field.primary_key):
            continue
        value = field.value_from_object(obj)
        if isinstance(field, models.FileField):
            value = value.name if value else ""  # the stored file's name, not the file
        data[field.attname] = value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def change_record(*, target: models.Model, action: str, actor=None, before=None, after=None, note: str = "") -> ChangeRecord:
    """Append one change (who, when, what, before/after) to the log of `target`."""
    return ChangeRecord.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        before=before,
        after=after,
        note=note,
    )


def change_history(target: models.Model):
    """The change log of one object, newest first, with actors joined."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).select_related("actor", "actor__staff")
