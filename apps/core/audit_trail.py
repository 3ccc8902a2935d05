"""Who changed the keys of the portal: every creation, change and removal of users, their roles,
staff records (unit, post), org units, holidays and days off, questionnaire versions and two-step
devices is kept in the change log with who, when, before and after — whether it was done in the
admin, a portal page, a management command or the shell.

Signals, not the admin's own log: the admin is only one of the ways these rows change, and its
log keeps a sentence, not the values. The actor comes from the request being served
(`ActorMiddleware`); outside a request (commands, beat) it is empty and the record says "system".
"""

import contextvars

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from apps.core.services import change_record, model_snapshot

_request: contextvars.ContextVar = contextvars.ContextVar("audit_trail_request", default=None)

# Never copied into the log: secrets, and columns that change on every login.
SKIPPED_FIELDS = ("password", "last_login", "bin_key", "key", "throttling_failure_timestamp",
                  "throttling_failure_count", "last_t", "drift", "last_used_at", "created_at")


class ActorMiddleware:
    """Makes the request's user the actor of the change records written while serving it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_actor():
    request = _request.get()
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _snapshot(obj) -> dict:
    return model_snapshot(obj, exclude=SKIPPED_FIELDS)


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(old) if old is not None else None
    instance._audit_password_changed = (
        sender is get_user_model() and old is not None and old.password != instance.password
    )


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    after = _snapshot(instance)
    if created or before is None:
        change_record(target=instance, action="created", actor=current_actor(), after=after)
        return
    changed = {k for k in after if before.get(k) != after[k]}
    if changed:
        change_record(
            target=instance, action="changed", actor=current_actor(),
            before={k: before.get(k) for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)},
        )
    if getattr(instance, "_audit_password_changed", False) and not created:
        change_record(target=instance, action="password_changed", actor=current_actor())


def _after_delete(sender, instance, **kwargs) -> None:
    change_record(target=instance, action="deleted", actor=current_actor(), before=_snapshot(instance))


def _role_names(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _roles_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A user's groups are their roles: record the list before and after each change."""
    User = get_user_model()
    if reverse or not isinstance(instance, User):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._audit_roles_before = _role_names(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_audit_roles_before", None)
        after = _role_names(instance)
        if before != after:
            change_record(target=instance, action="roles_changed", actor=current_actor(),
                          before={"roles": before}, after={"roles": after})


def tracked_models() -> list:
    """The models whose every change is recorded."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.core.models import Holiday
    from apps.feedback.models import Axis, Question, Questionnaire
    from apps.orgs.models import OrgUnit, Province, Staff

    return [get_user_model(), Staff, OrgUnit, Province, Holiday, Questionnaire, Axis, Question, TOTPDevice,
            StaticDevice]


def connect() -> None:
    """Connect the receivers (CoreConfig.ready)."""
    for model in tracked_models():
        uid = f"audit_trail_{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_roles_changed, sender=get_user_model().groups.through, dispatch_uid="audit_trail_roles")
