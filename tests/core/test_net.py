"""The client address behind trusted proxies: never a client-chosen entry, never a 500."""

import pytest
from django.test import RequestFactory

from apps.core.net import UNKNOWN, client_ip

SHAPES = {
    "none": None,
    "one": "203.0.113.7",
    "two (what nginx sends)": "198.51.100.1, 203.0.113.7",
    "forged left entries": "1.1.1.1, 2.2.2.2, 203.0.113.7",
    "garbage": "<script>, not-an-ip,,",
    "empty entries": " , ",
    "with port": "203.0.113.7:51234",
    "ipv6 with port": "[2001:db8::5]:443",
    "huge": "9.9.9.9, " * 5000 + "203.0.113.7",
}


def _request(xff: str | None, remote: str = "10.0.0.2"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/track/", **extra)


@pytest.mark.parametrize(
    ("shape", "hops", "expected"),
    [
        ("none", 0, "10.0.0.2"),
        ("one", 0, "10.0.0.2"),  # no trusted proxy: the header is the client's word, ignored
        ("forged left entries", 0, "10.0.0.2"),
        ("none", 1, "10.0.0.2"),  # reached the app without the proxy
        ("one", 1, "203.0.113.7"),
        ("two (what nginx sends)", 1, "203.0.113.7"),
        ("forged left entries", 1, "203.0.113.7"),
        ("garbage", 1, "10.0.0.2"),
        ("empty entries", 1, "10.0.0.2"),
        ("with port", 1, "203.0.113.7"),
        ("ipv6 with port", 1, "2001:db8::5"),
        ("huge", 1, "203.0.113.7"),
        ("one", 2, "10.0.0.2"),  # too short for two proxies
        ("two (what nginx sends)", 2, "198.51.100.1"),
        ("forged left entries", 2, "2.2.2.2"),
    ],
)
def test_client_ip_takes_the_entry_the_trusted_proxies_wrote(settings, shape, hops, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert client_ip(_request(SHAPES[shape])) == expected


def test_client_ip_without_any_address_is_one_shared_bucket(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(_request(None, remote="")) == UNKNOWN


@pytest.mark.django_db
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_forwarded_for_shape_gets_a_page(client, settings, shape):
    settings.TRUSTED_PROXY_HOPS = 1
    headers = {} if SHAPES[shape] is None else {"HTTP_X_FORWARDED_FOR": SHAPES[shape]}
    assert client.get("/track/?code=12345678901", **headers).status_code == 200
    assert client.get("/services/", **headers).status_code == 200


@pytest.mark.django_db
def test_a_new_forged_address_per_request_does_not_escape_the_limit(client, settings):
    """GIVEN nginx in front (one hop) WHEN a client sends a new made-up X-Forwarded-For each time
    THEN nginx's own entry (the real address) is counted and the limit holds."""
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRACK_RATE = "5/h"
    codes = [
        client.get("/track/", HTTP_X_FORWARDED_FOR=f"10.9.{i}.{i}, 203.0.113.7").status_code for i in range(8)
    ]
    assert codes == [200] * 5 + [429] * 3
    # Another real client behind the same proxy is not punished.
    assert client.get("/track/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
