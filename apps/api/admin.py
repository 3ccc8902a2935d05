"""Issuing and revoking API keys, registering webhooks and reading their delivery log (administrators).

A key is shown once, in the message after it is issued; only its hash is kept. Revoking keeps the
row (its history and deliveries stay readable) and refuses the key from the next call on.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.api.keys import api_key_issue
from apps.api.models import ApiKey, Event, Scope, Webhook, WebhookDelivery
from apps.api.webhooks import webhook_replay
from apps.core.admin import ScopedAdmin


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       required=False)

    class Meta:
        model = ApiKey
        fields = ["name", "unit", "body", "national", "staff", "scopes", "active", "note"]


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("receiver URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Webhook
        fields = ["key", "url", "events", "active"]


class WebhookInline(admin.TabularInline):
    model = Webhook
    form = WebhookForm
    extra = 0
    fields = ["url", "events", "active"]
    show_change_link = True


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    """Administrators see every key; anyone else given access would see only their units' keys."""

    form = ApiKeyForm
    list_display = ["name", "prefix", "binding", "scope_list", "active", "last_used_at", "revoked_at"]
    list_filter = ["active", "national"]
    search_fields = ["name", "prefix"]
    list_select_related = ["unit", "body"]
    autocomplete_fields = ["unit", "body", "staff"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "reissue"]
    inlines = [WebhookInline]

    @admin.display(description=_("bound to"))
    def binding(self, obj: ApiKey) -> str:
        return str(_("the whole country")) if obj.national else str(obj.unit or obj.body or "—")

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiKey) -> str:
        labels = dict(Scope.choices)
        return "، ".join(str(labels.get(s, s)) for s in obj.scopes or [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = api_key_issue(obj)
        self.message_user(
            request,
            format_html(_("The key of «{}» is <code dir=\"ltr\">{}</code>. Copy it now: it is not shown again."),
                        obj.name, raw),
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the chosen keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()
        self.message_user(request, _("Revoked: the keys are refused from the next call on."))

    @admin.action(description=_("Issue a new secret (the old one stops working)"))
    def reissue(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            raw = api_key_issue(key)
            self.message_user(
                request,
                format_html(_("The key of «{}» is <code dir=\"ltr\">{}</code>. Copy it now: it is not shown again."),
                            key.name, raw),
                messages.WARNING,
            )


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "key", "active", "created_at"]
    list_select_related = ["key"]
    readonly_fields = ["secret_shown", "created_at"]

    @admin.display(description=_("signing secret"))
    def secret_shown(self, obj: Webhook) -> str:
        return format_html('<code dir="ltr">{}</code>', obj.secret) if obj.secret else "—"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every event, every try's answer; "send again" keeps the event id."""

    list_display = ["created_at", "event", "webhook", "state", "attempts", "last_status", "next_attempt_at"]
    list_filter = ["state", "event", "created_at"]
    search_fields = ["event_id", "webhook__url"]
    list_select_related = ["webhook"]
    readonly_fields = ["webhook", "event_id", "event", "payload", "state", "attempts", "next_attempt_at",
                       "last_status", "last_error", "created_at", "delivered_at"]
    fields = readonly_fields
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send again (same event id)"))
    def send_again(self, request, queryset):
        for delivery in queryset:
            webhook_replay(delivery)
        self.message_user(request, _("Queued again; receivers recognise a repeat by its event id."))
