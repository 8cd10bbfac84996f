"""Every list a coordinator opens, at every role level, on the generated city.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/lists.py [--requests 20] [--only TEXT] [--roles city,county]

The roles are a city coordinator, the coordinator of the county with the most households, the
coordinator of that county's largest township, and the liaison of the unit with the most
cadres (accounts ``bench-<role>``, made on the first run). For each role it opens every admin
changelist of the registry that the role may open, with the filters coordinators use most
(关联干部 无/在岗/已离岗, 超期, 在岗/已结束, a township, a head's name, the last digits of an ID),
and every coverage gap list of the role's own area (liaisons have none). Each case is requested
``--requests`` times after one warm-up request; the table gives the median and p95 server time
and the queries of one request. The baseline, measured in the same run for each role, is the
same admin page machinery on a list of nine rows (the counties); the ratio is the case's
median to the baseline's. "My households", the cadre's phone page, closes the table.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import unicodedata
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import machine, percentile, setup_django, timed

# The slower lists' targets: p95 under this many milliseconds.
TARGET_MS = 200


@dataclass
class Role:
    name: str
    user: Any
    township: Any  # a township the role sees, for the township filter


@dataclass
class Case:
    label: str
    url: str
    params: dict


def bench_user(username: str, role: str, **scope: Any) -> Any:
    """A staff account with every coordinator permission, seeing ``role``'s scope."""
    from django.contrib.auth import get_user_model

    from shuanglian.access.scope import coordinator_permissions, forget_scope
    from shuanglian.models import UserScope

    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    UserScope.objects.update_or_create(
        user=user,
        defaults={"role": role, "county": None, "township": None, "unit": None, **scope},
    )
    user.user_permissions.set(coordinator_permissions())
    forget_scope(user)
    return user


def roles() -> list[Role]:
    from django.db.models import Count

    from shuanglian.models import Role as Roles
    from units.models import Unit, WorkGroup
    from villages.models import County, Township

    county = County.objects.annotate(n=Count("townships__villages__households")).order_by("-n")[0]
    township = (
        Township.objects.filter(county=county)
        .annotate(n=Count("villages__households"))
        .order_by("-n")[0]
    )
    unit = Unit.objects.annotate(n=Count("cadres")).order_by("-n", "pk")[0]
    linked = WorkGroup.objects.filter(unit=unit).select_related("village__township").first()
    return [
        Role("city", bench_user("bench-city-coordinator", Roles.CITY), township),
        Role("county", bench_user("bench-county", Roles.COUNTY, county=county), township),
        Role("township", bench_user("bench-township", Roles.TOWNSHIP, township=township), township),
        Role(
            "liaison",
            bench_user("bench-liaison", Roles.LIAISON, unit=unit),
            linked.village.township if linked else township,
        ),
    ]


def admin_cases(role: Role, sample: Any) -> list[Case]:
    """Each registered changelist, unfiltered, and the filters coordinators use on the big ones."""
    from django.contrib import admin
    from django.urls import reverse

    township = {"township": role.township.pk}
    filters: dict[str, list[tuple[str, dict]]] = {
        "villages.household": [
            ("关联干部=在岗", {"cadre_status": "active"}),
            ("关联干部=无", {"cadre_status": "none"}),
            ("关联干部=已离岗", {"cadre_status": "stale"}),
            ("township", township),
            ("township, 关联干部=无", {**township, "cadre_status": "none"}),
            ("category", {"category__exact": "monitored"}),
            ("head's name", {"q": sample.head_name}),
            ("ID's last 6", {"q": sample.id_number[-6:]}),
        ],
        "villages.village": [("township", township)],
        "units.cadre": [
            ("in service", {"in_service__exact": "1"}),
            ("to hand over", {"handover": "needed"}),
        ],
        "units.householdassignment": [
            ("in force", {"state": "active"}),
            ("ended", {"state": "ended"}),
            ("township", township),
            ("head's name", {"q": sample.head_name}),
        ],
        "visits.visit": [
            ("outcome=met", {"outcome__exact": "met"}),
            ("township", township),
            ("head's name", {"q": sample.head_name}),
        ],
        "visits.need": [
            ("overdue", {"late": "yes"}),
            ("not overdue", {"late": "no"}),
            ("pending", {"status__exact": "pending"}),
            ("township", township),
        ],
    }
    cases = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
        label = model._meta.label_lower
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        cases.append(Case(label, url, {}))
        cases += [Case(f"{label}, {name}", url, params) for name, params in filters.get(label, [])]
    return cases


def gap_cases(role: Role) -> list[Case]:
    from django.urls import reverse

    from shuanglian.figures import coverage

    if role.name == "liaison":
        return []
    return [Case(f"gaps: {slug}", reverse("gap_list", args=[slug]), {}) for slug in coverage.GAPS]


def measure(client: Any, case: Case, requests: int) -> tuple[list[float], int] | None:
    """Seconds per request and the queries of one request; None when the role may not open it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(case.url, case.params)
    if response.status_code in (302, 403, 404):
        return None
    assert response.status_code == 200, (case.label, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(case.url, case.params)
    # Counted now: the next request empties the log the context reads from.
    queries = len(captured)
    seconds, _ = timed(lambda: client.get(case.url, case.params), requests)
    return seconds, queries


def padded(text: str, width: int) -> str:
    """``text`` filled with spaces to ``width`` columns, a Chinese character taking two."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - columns)


def row(label: str, role: str, seconds: list[float], queries: int, baseline_ms: float) -> str:
    """One line of the table; ``baseline_ms`` is the role's baseline median."""
    median, p95 = statistics.median(seconds) * 1000, percentile(seconds, 0.95) * 1000
    mark = "  !" if p95 >= TARGET_MS else ""
    ratio = median / baseline_ms
    return f"{padded(label, 46)} {role:9} {median:8.1f} {p95:8.1f} {queries:7} {ratio:7.1f}×{mark}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", default="", help="Only the cases whose label contains this.")
    parser.add_argument("--roles", default="city,county,township,liaison")
    options = parser.parse_args()
    setup_django()
    # The lists a role may not open answer 403, which Django logs with a traceback.
    logging.getLogger("django.request").setLevel(logging.ERROR)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from units.models import Cadre
    from villages.models import Household

    rng = random.Random(7)
    count = Household.objects.order_by().count()
    sample = Household.objects.order_by("pk")[rng.randrange(count)]
    wanted = options.roles.split(",")
    print(f"Machine: {machine()}; load {os.getloadavg()[0]:.2f}")
    print(f"Database {connection.settings_dict['NAME']}: {count:,} households")
    print(f"{options.requests} requests per case; ! marks a p95 of {TARGET_MS} ms or more")
    print(f"{'list':46} {'role':9} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'ratio':>8}")
    for role in roles():
        if role.name not in wanted:
            continue
        client = Client()
        client.force_login(role.user)
        base = Case("baseline: villages.county", reverse("admin:villages_county_changelist"), {})
        measured = measure(client, base, options.requests)
        assert measured is not None
        baseline = statistics.median(measured[0]) * 1000
        print(row(base.label, role.name, *measured, baseline))
        for case in admin_cases(role, sample) + gap_cases(role):
            if options.only not in case.label:
                continue
            measured = measure(client, case, options.requests)
            if measured is not None:
                print(row(case.label, role.name, *measured, baseline), flush=True)

    cadre = (
        Cadre.objects.filter(user__isnull=False, assignments__ended_on__isnull=True)
        .order_by("pk")
        .first()
    )
    phone = Client()
    phone.force_login(cadre.user)
    mine = Case("my households (cadre's phone page)", reverse("visits:my_households"), {})
    measured = measure(phone, mine, options.requests)
    assert measured is not None
    print(row(mine.label, "cadre", *measured, baseline))


if __name__ == "__main__":
    main()
