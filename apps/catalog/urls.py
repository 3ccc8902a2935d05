"""Supervisor pages of the catalog (login), under /catalog/."""

from apps.catalog.views import excel, manage, printables

app_name = "catalog"

urlpatterns = [*manage.urlpatterns, *printables.urlpatterns, *excel.urlpatterns]
