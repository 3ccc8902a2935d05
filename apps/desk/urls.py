"""Staff pages of the desk under /desk/ (login), and the queue pages (kiosk and board need none)."""

from apps.desk.views import daily, queue, requests

app_name = "desk"

urlpatterns = [*requests.urlpatterns, *queue.urlpatterns, *daily.urlpatterns]
