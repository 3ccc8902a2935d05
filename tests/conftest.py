import pytest
from django.core.cache import cache

from apps.orgs import roles
from tests.factories import OrgUnitFactory, staff_user


@pytest.fixture(autouse=True)
def _isolated(settings):
    # Fast hashing in tests; rate-limit counters must not leak from one test to the next.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unit(db):
    return OrgUnitFactory()


@pytest.fixture
def clerk(unit):
    return staff_user(roles.DESK_CLERK, unit=unit)


@pytest.fixture
def supervisor(unit):
    return staff_user(roles.BODY_SUPERVISOR, unit=unit)


@pytest.fixture
def officer(unit):
    return staff_user(roles.UNIT_OFFICER, unit=unit)
