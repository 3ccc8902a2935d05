"""Audit pages under /audits/ (login; supervisors and auditors)."""

from apps.audits.views import audit_forms

app_name = "audits"

urlpatterns = [*audit_forms.urlpatterns]
