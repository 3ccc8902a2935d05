"""Admin of the audits: the rounds only. Forms change through their workflow pages, where every
change is scoped, checked and recorded (apps.audits.services); administrators read them there."""

from django.contrib import admin

from apps.audits.models import AuditRound
from apps.audits.services import audit_round_deadlines_set


@admin.register(AuditRound)
class AuditRoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "year", "number", "opened_at", "declaration_due", "evaluation_due"]
    ordering = ["-year", "-number"]
    fields = ["year", "number", "opened_at", "declaration_days", "evaluation_days", "declaration_due", "evaluation_due"]
    readonly_fields = ["declaration_due", "evaluation_due"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # The due dates follow the working days given here; forms still in draft move with them.
        audit_round_deadlines_set(round_=obj)
