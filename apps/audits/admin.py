"""Admin of the audits: the rounds only. Forms change through their workflow pages, where every
change is scoped, checked and recorded (apps.audits.services); administrators read them there."""

from django.contrib import admin

from apps.audits.models import AuditRound


@admin.register(AuditRound)
class AuditRoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "year", "number", "opened_at"]
    ordering = ["-year", "-number"]
