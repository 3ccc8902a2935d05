"""Satisfaction URLs under /feedback/: the questionnaire (citizen, paper entry, paper PDF), staff QR
codes and ratings, and the satisfaction dashboard with its Excel export."""

from apps.feedback.views import dashboards, qr, survey

app_name = "feedback"

urlpatterns = [*survey.urlpatterns, *qr.urlpatterns, *dashboards.urlpatterns]
