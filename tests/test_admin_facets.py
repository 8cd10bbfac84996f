"""显示计数 (``?_facets=True``) on every admin list, for every role, alone and with each filter.

The lists are walked from ``admin.site._registry``, so that a list added later is counted too;
each filter's first choice is taken from the page itself, so filters whose choices are keys
(county, township, foreign keys) are exercised with real values.
"""

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.conftest import ScopeWorld
from tests.factories import make_user

ROLES = ["superuser", "city", "county", "township", "liaison"]

# A facets page counts every filter's choices in one aggregate: its queries stay bounded.
# (On PostgreSQL the big lists find a page's keys first: three queries more than on SQLite.)
MAX_QUERIES = 25

COUNT = re.compile(r"\(\d+\)$")


def changelist_urls() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def client_for(role: str, world: ScopeWorld) -> Client:
    client = Client()
    if role == "superuser":
        client.force_login(make_user("root", is_staff=True, is_superuser=True))
    else:
        client.force_login(world.users[role])
    return client


def facet_choices(response: object) -> list[tuple[str, str]]:
    """(display, query string) of every filter choice but "All", as the page shows them."""
    changelist = response.context["cl"]
    return [
        (str(choice["display"]), choice["query_string"])
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
        if not choice.get("selected") and choice["query_string"] not in ("?", "?_facets=True")
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_list_counts_its_filter_choices_for_every_role(
    role: str, scope_world: ScopeWorld, django_assert_max_num_queries: object
) -> None:
    client = client_for(role, scope_world)
    failures, shown = [], 0
    for url in changelist_urls():
        plain = client.get(url)
        if plain.status_code == 403:
            continue  # a list the role may not open at all
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(url, {"_facets": "True"})
        if response.status_code != 200:
            failures.append(f"{url}?_facets=True: {response.status_code}")
            continue
        shown += 1
        choices = facet_choices(response)
        if plain.context["cl"].has_filters and not any(COUNT.search(d) for d, _ in choices):
            failures.append(f"{url}?_facets=True: no counts shown")
        # Each filter applied in turn (its first choice), with the counts still shown.
        seen_parameters: set[str] = set()
        for _display, query in choices:
            parameters = {part.split("=")[0] for part in query.lstrip("?").split("&")}
            new = parameters - {"_facets"} - seen_parameters
            if not new:
                continue
            seen_parameters |= new
            with django_assert_max_num_queries(MAX_QUERIES):
                filtered = client.get(url + query)
            if filtered.status_code != 200:
                failures.append(f"{url}{query}: {filtered.status_code}")
            elif "_facets" in query and not any(
                COUNT.search(d) for d, _ in facet_choices(filtered)
            ):
                failures.append(f"{url}{query}: no counts shown")
    assert not failures, "\n".join(failures)
    assert shown >= 10  # the role's lists were really opened


def test_superuser_household_facets_count_the_county(scope_world: ScopeWorld) -> None:
    client = client_for("superuser", scope_world)
    county = scope_world.home.village.township.county
    response = client.get(reverse("admin:villages_household_changelist"), {"_facets": "True"})
    assert response.status_code == 200
    # Two households in the home county (home and next door), one in the far one.
    assert f"{county.name} (2)" in [d for d, _ in facet_choices(response)]
