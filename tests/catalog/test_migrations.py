"""The effective-dates migration starts every existing service's history on the day it was created."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0003_text_limits")]
AFTER = [("catalog", "0004_effective_dates")]


@pytest.mark.django_db(transaction=True)
def test_existing_services_are_in_force_from_the_day_they_were_created():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    body = old.get_model("orgs", "Body").objects.create(name_fa="اداره کل آزمایشی")
    SubService = old.get_model("catalog", "SubService")
    offered = SubService.objects.create(
        body=body, code="1", title="الف", channel="hybrid", non_electronic_reason="law"
    )
    withdrawn = SubService.objects.create(body=body, code="2", title="ب", active=False)
    # 2026-03-20 20:30 UTC is already 1405/01/01 in Tehran.
    SubService.objects.filter(pk=offered.pk).update(
        created_at=dt.datetime(2026, 3, 20, 20, 30, tzinfo=dt.UTC)
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    SubService = new.get_model("catalog", "SubService")
    ServiceState = new.get_model("catalog", "ServiceState")
    assert SubService.objects.get(pk=offered.pk).valid_from == dt.date(2026, 3, 21)
    assert list(
        ServiceState.objects.filter(service_id=offered.pk).values_list(
            "effective_from", "channel", "non_electronic_reason", "active"
        )
    ) == [(dt.date(2026, 3, 21), "hybrid", "law", True)]
    assert ServiceState.objects.get(service_id=withdrawn.pk).active is False
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
