"""Staff pages of cases: registration at the desk or by phone, the inbox, a case's page and its actions."""

from django.urls import path, re_path

from apps.cases.views import staff

app_name = "cases"

# A case code is eleven digits (apps.desk.tracking); the public pages under /cases/ use words.
CODE = r"(?P<code>[0-9]{11})"

urlpatterns = [
    path("register/", staff.case_register, name="register"),
    path("inbox/", staff.case_inbox, name="inbox"),
    path("all/", staff.case_list, name="list"),
    re_path(rf"^{CODE}/$", staff.case_detail, name="detail"),
    re_path(rf"^{CODE}/registered/$", staff.case_registered, name="registered"),
    re_path(rf"^{CODE}/refer/$", staff.case_refer, name="refer"),
    re_path(rf"^{CODE}/act/$", staff.case_act, name="act"),
    re_path(rf"^{CODE}/respond/$", staff.case_respond, name="respond"),
    re_path(rf"^{CODE}/files/(?P<pk>[0-9]+)/$", staff.case_attachment, name="attachment"),
]
