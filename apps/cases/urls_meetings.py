"""Public meetings: published times, booking online (/meetings/) or at the desk, and the office's outcome."""

from django.urls import path

from apps.cases.views import meetings as views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("<int:pk>/", views.meeting_book, name="book"),
    path("booked/<int:pk>/", views.meeting_booked, name="booked"),
    path("office/", views.office, name="office"),
    path("office/times/new/", views.schedule_edit, name="schedule_new"),
    path("office/times/<int:pk>/", views.schedule_edit, name="schedule_edit"),
    path("office/times/<int:pk>/book/", views.desk_book, name="desk_book"),
    path("office/bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("office/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
]
