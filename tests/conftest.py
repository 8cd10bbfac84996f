import pytest
from django.test import Client

from shuanglian.demo import SUPERUSER, ensure_demo_logins, load_demo
from tests.factories import make_household, make_village, unique_resident_id
from villages.models import Household


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Real hashing costs a second per login; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: None) -> None:
    """The demo city, with its logins."""
    load_demo()
    ensure_demo_logins()


@pytest.fixture
def superuser_client(demo: None) -> Client:
    client = Client()
    client.login(username=SUPERUSER.username, password=SUPERUSER.password)
    return client


@pytest.fixture
def many_households(demo: None) -> int:
    """2,000 more households in one village, to show page costs do not grow with data."""
    village = make_village()
    template = make_household(village=village)
    Household.objects.bulk_create(
        Household(
            village=village,
            head_name=f"{template.head_name}{i}",
            id_number=unique_resident_id(),
            members=2,
        )
        for i in range(1999)
    )
    return Household.objects.count()
