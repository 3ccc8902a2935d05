"""Demo: the provincial directorate's office automation as an integrating system, with a key of
every scope. The key is issued anew on every load and printed once (only its hash is kept)."""

from apps.api.keys import api_key_issue
from apps.api.models import ApiKey, Scope

DEMO_KEY_NAME = "اتوماسیون اداری راه و شهرسازی مازندران (نمونه)"


def seed_api_demo(org) -> str:
    ApiKey.objects.filter(name=DEMO_KEY_NAME).delete()
    key = ApiKey(name=DEMO_KEY_NAME, unit=org.provincial, staff=org.staff["officer"], scopes=list(Scope.values))
    return api_key_issue(key)
