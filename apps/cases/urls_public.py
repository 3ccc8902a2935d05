"""Citizens' pages of cases: online registration (/cases/new/), rating and objection from the closing SMS, the response PDF."""

from django.urls import path

from apps.cases.views import public

app_name = "cases_public"

urlpatterns = [
    path("new/", public.case_new, name="new"),
    path("new/<str:code>/", public.case_registered, name="registered"),
    path("rate/<str:token>/", public.case_rate_page, name="rate"),
    path("track/<str:code>/response.pdf", public.response_pdf, name="response_pdf"),
    # Staff, scoped by apps.cases.selectors.case_list.
    path("<str:code>/response.pdf", public.response_pdf_staff, name="response_pdf_staff"),
]
