"""Satisfaction URLs under /feedback/: the questionnaire (citizen, paper entry, paper PDF)."""

from apps.feedback.views import qr, survey

app_name = "feedback"

urlpatterns = [*survey.urlpatterns, *qr.urlpatterns]
