"""What an area knows of its place in the hierarchy: above it, below it, within it."""

import pytest

from tests.factories import make_city, make_county, make_township, make_village
from villages.models import City, County, Township, Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def places() -> dict:
    """Two townships of one county, two villages in the first; a village of another county."""
    city = make_city()
    county, other_county = make_county(code="371728000000"), make_county(code="371721000000")
    township = make_township(county=county, code="371728104000")
    next_door = make_township(county=county, code="371728105000")
    far_township = make_township(county=other_county, code="371721104000")
    return {
        "city": city,
        "county": county,
        "other_county": other_county,
        "township": township,
        "next_door": next_door,
        "village": make_village(township=township, code="371728104201"),
        "same_township": make_village(township=township, code="371728104202"),
        "next_door_village": make_village(township=next_door, code="371728105201"),
        "far": make_village(township=far_township, code="371721104201"),
    }


def codes(areas: object) -> list[str]:
    return [area.code for area in areas]


def test_the_areas_above_are_the_county_and_township_top_down(places: dict) -> None:
    assert codes(places["village"].ancestors()) == ["371728000000", "371728104000"]
    assert codes(places["township"].ancestors()) == ["371728000000"]
    assert places["county"].ancestors() == []
    assert places["city"].ancestors() == []


def test_the_areas_above_a_village_come_from_its_joined_parents(
    places: dict, django_assert_num_queries: object
) -> None:
    village = Village.objects.select_related("township__county").get(code="371728104201")
    with django_assert_num_queries(0):
        assert codes(village.ancestors()) == ["371728000000", "371728104000"]
        assert County(pk=places["county"].pk).contains(village)


def test_an_area_contains_itself_and_what_lies_within_it_only(places: dict) -> None:
    county, township, village = places["county"], places["township"], places["village"]
    assert all(county.contains(places[name]) for name in ("county", "township", "village"))
    assert not county.contains(places["other_county"])
    assert not county.contains(places["far"])
    assert township.contains(township)
    assert township.contains(village)
    assert not township.contains(county)
    assert not township.contains(places["next_door"])
    assert not township.contains(places["next_door_village"])
    assert village.contains(village)
    assert not village.contains(places["same_township"])
    assert not village.contains(township)


def test_the_city_contains_every_area(places: dict) -> None:
    city = places["city"]
    assert all(city.contains(places[name]) for name in ("city", "other_county", "far"))


def test_the_divisions_are_the_areas_one_level_down_and_a_village_itself(places: dict) -> None:
    assert codes(places["city"].divisions().order_by("code")) == ["371721000000", "371728000000"]
    assert codes(places["county"].divisions().order_by("code")) == [
        "371728104000",
        "371728105000",
    ]
    assert codes(places["township"].divisions().order_by("code")) == [
        "371728104201",
        "371728104202",
    ]
    assert codes(places["village"].divisions()) == ["371728104201"]


def test_only_a_village_is_a_village(places: dict) -> None:
    assert [model for model in (City, County, Township, Village) if model.is_village] == [Village]
    assert places["village"].is_village
