"""List pages on the generated city: the admin household list, visit and need lists, my households.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/lists.py [--requests 20]

Each case is requested ``--requests`` times after one warm-up request; it prints the median and
p95 server time and the query count. The household list cases are
those a coordinator uses: unfiltered, one township, the last 6 and the last 4 digits of a
resident ID, and a head's name. "My households" is the cadre's phone page.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import machine, setup_django, summary, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from units.models import Cadre
    from villages.models import Household, Township

    rng = random.Random(7)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-city", defaults={"is_staff": True, "is_superuser": True}
    )
    coordinator = Client()
    coordinator.force_login(user)
    count = Household.objects.order_by().count()
    sample = Household.objects.order_by("pk")[rng.randrange(count)]
    township = Township.objects.order_by("code")[rng.randrange(Township.objects.count())]
    cadre = (
        Cadre.objects.filter(user__isnull=False, assignments__ended_on__isnull=True)
        .order_by("pk")
        .first()
    )
    phone = Client()
    phone.force_login(cadre.user)

    households = reverse("admin:villages_household_changelist")
    cases = [
        ("households, unfiltered", coordinator, households, {}),
        (
            f"households, township {township.name}",
            coordinator,
            households,
            {"township": township.pk},
        ),
        (
            "households, ID ends with 6 digits",
            coordinator,
            households,
            {"q": sample.id_number[-6:]},
        ),
        (
            "households, ID ends with 4 digits",
            coordinator,
            households,
            {"q": sample.id_number[-4:]},
        ),
        (
            f"households, head named {sample.head_name}",
            coordinator,
            households,
            {"q": sample.head_name},
        ),
        ("visits, unfiltered", coordinator, reverse("admin:visits_visit_changelist"), {}),
        ("needs, unfiltered", coordinator, reverse("admin:visits_need_changelist"), {}),
        (
            "household assignments, unfiltered",
            coordinator,
            reverse("admin:units_householdassignment_changelist"),
            {},
        ),
        (f"my households (cadre {cadre.name})", phone, reverse("visits:my_households"), {}),
    ]
    print(f"Machine: {machine()}; database {connection.settings_dict['NAME']}")
    print(f"{count:,} households; {options.requests} requests per case")
    for label, client, url, params in cases:
        response = client.get(url, params)
        assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        # Counted now: the next request empties the log the context reads from.
        queries = len(captured)
        seconds, _ = timed(
            lambda client=client, url=url, params=params: client.get(url, params),
            options.requests,
        )
        print(f"{label:48} {summary(seconds)}   {queries} queries")


if __name__ == "__main__":
    main()
