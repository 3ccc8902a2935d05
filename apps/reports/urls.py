"""Periodic oversight reports (SPEC §7)."""

from django.urls import path

from apps.reports.views import annex3, pages

app_name = "reports"

urlpatterns = [
    path("", pages.report_list, name="list"),
    path("new/", pages.report_new, name="request"),
    path("<int:pk>/", pages.report_detail, name="detail"),
    path("<int:pk>/status/", pages.report_status, name="status"),
    path("<int:pk>/progress.json", pages.report_progress, name="progress"),
    path("<int:pk>/pdf/", pages.report_pdf, name="pdf"),
    path("<int:pk>/xlsx/", pages.report_xlsx, name="xlsx"),
    path("annex3/table2/", annex3.annex3_table2, name="annex3_table2"),
    path("annex3/table1/", annex3.annex3_table1, name="annex3_table1"),
]
