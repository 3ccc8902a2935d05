from django.urls import path

from apps.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("jobs/<int:pk>/", views.file_job_status, name="file_job"),
    path("jobs/<int:pk>/file", views.file_job_file, name="file_job_file"),
]
