"""Files through the storage API: a bucket that does not answer costs the pages that need a file
(503, saying so), not the portal."""

import pytest
from django.urls import reverse

from apps.desk.models import RequestDocument
from tests.factories import registered_request
from tests.i18n import fa


@pytest.fixture
def bucket_down(settings):
    """S3 configured at an address where nothing answers."""
    from botocore.config import Config

    settings.S3_BUCKET = "portal-down"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "portal-down",
                "endpoint_url": "http://127.0.0.1:9",
                "access_key": "k",
                "secret_key": "s",
                "region_name": "us-east-1",
                "client_config": Config(connect_timeout=0.5, retries={"max_attempts": 0}),
            },
        },
    }


@pytest.mark.django_db
def test_healthz_reports_the_file_storage(client, settings):
    assert client.get("/healthz").json()["storage"] == ("ok" if settings.S3_BUCKET else "local")


@pytest.mark.django_db
def test_a_bucket_that_does_not_answer_degrades_the_node_and_fails_only_the_file_pages(client, clerk, bucket_down):
    health = client.get("/healthz")
    assert health.status_code == 200  # the node stays in the load balancer's pool
    assert health.json()["status"] == "degraded"
    assert health.json()["storage"] == "down"

    sr = registered_request(clerk=clerk)
    doc = RequestDocument.objects.create(
        request=sr, title="سند", received=True, content_type="application/pdf", file="request-docs/a.pdf"
    )
    client.force_login(clerk.user)
    response = client.get(reverse("desk:document_file", args=[doc.pk]))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert fa("Files cannot be read or kept right now.") in response.content.decode()
    assert client.get(reverse("desk:request_detail", args=[sr.pk])).status_code == 200  # no file: still works
