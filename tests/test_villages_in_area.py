"""Rows asked for by place, one way for every model: ``in_area(area)``."""

import pytest

from shuanglian.figures import rollups
from shuanglian.models import VillageFigures
from tests.factories import (
    make_assignment,
    make_cadre,
    make_city,
    make_county,
    make_household,
    make_need,
    make_township,
    make_unit,
    make_village,
    make_visit,
    make_work_group,
)
from units.models import Cadre, HouseholdAssignment, Unit
from villages.models import City, Household, Township, Village
from visits.models import Need, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def places() -> dict:
    """Two villages in one township, one in another township of the county, one elsewhere;
    in each a household with a visit, a need and a cadre's link."""
    make_city()
    county, other_county = make_county(code="371728000000"), make_county(code="371721000000")
    township = make_township(county=county, code="371728104000")
    next_door = make_township(county=county, code="371728105000")
    far = make_township(county=other_county, code="371721104000")
    villages = {
        "home": make_village(township=township, code="371728104201"),
        "same_township": make_village(township=township, code="371728104202"),
        "same_county": make_village(township=next_door, code="371728105201"),
        "far": make_village(township=far, code="371721104201"),
    }
    units = {
        "county": make_unit(level="county", county=county),
        "township": make_unit(level="township", county=county, township=township),
        "far": make_unit(level="county", county=other_county),
    }
    for name, village in villages.items():
        household = make_household(village=village)
        cadre = make_cadre(unit=units["far" if name == "far" else "county"])
        make_assignment(household=household, cadre=cadre)
        make_visit(household=household, cadre=cadre)
        make_need(household=household, cadre=cadre)
    make_work_group(unit=units["far"], village=villages["home"])
    rollups.rebuild()
    return {"county": county, "township": township, "villages": villages, "units": units}


def villages_of(rows: object, path: str) -> set[str]:
    return {getattr(row, path).code for row in rows}


def test_every_record_of_an_area_and_none_outside(places: dict) -> None:
    v = {name: village.code for name, village in places["villages"].items()}
    expected = {
        places["county"]: {v["home"], v["same_township"], v["same_county"]},
        places["township"]: {v["home"], v["same_township"]},
        places["villages"]["home"]: {v["home"]},
        None: set(v.values()),
    }
    city = City.objects.get()
    expected[city] = expected[None]
    for area, codes in expected.items():
        assert {x.code for x in Village.objects.in_area(area)} == codes, area
        for model in (Household, HouseholdAssignment, Visit, Need, VillageFigures):
            assert villages_of(model.objects.in_area(area), "village") == codes, (model, area)


def test_units_and_cadres_of_an_area_are_those_based_there_or_linking_the_village(
    places: dict,
) -> None:
    units = places["units"]
    assert set(Unit.objects.in_area(places["county"])) == {units["county"], units["township"]}
    assert set(Unit.objects.in_area(places["township"])) == {units["township"]}
    # A village has no units of its own: those with a work group there stand for it.
    assert set(Unit.objects.in_area(places["villages"]["home"])) == {units["far"]}
    assert Unit.objects.in_area(None).count() == 3
    home = Cadre.objects.in_area(places["villages"]["home"])
    assert {cadre.unit for cadre in home} == {units["far"]}
    assert {c.unit for c in Cadre.objects.in_area(places["county"])} == {units["county"]}


def test_townships_of_a_county(places: dict) -> None:
    assert set(Township.objects.in_area(places["county"])) == set(places["county"].townships.all())
