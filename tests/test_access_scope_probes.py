"""Probes of every registered admin model, as every role, with objects inside and outside scope.

For each role and model: the list, a search and the export do not show an object outside the
role's scope, its change, history and delete pages do not answer, deleting it does nothing, and
no autocomplete offers it. Forged form posts with keys from outside write nothing, and the
dashboards refuse areas outside the user's own.
"""

import io
import uuid
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shuanglian.access.admin import ScopedAdminMixin
from shuanglian.access.admin_accounts import ScopedGroupAdmin, ScopedUserAdmin
from shuanglian.admin_site import CampaignAdminSite
from shuanglian.models import AuditEvent, UserScope
from tests.conftest import SCOPE_ROLES, ScopeWorld
from tests.factories import Place, make_household, make_place, make_visit_intervals, make_work_group
from tests.photo_files import camera_photo
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
)
from villages.models import City, County, Household, ImportBatch, Township, Village
from visits.models import Need, Visit, VisitInterval, VisitPhoto

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()

ROLES = SCOPE_ROLES

# The places each role may see, of home (甲), next door (乙, same county) and far (丙).
INSIDE = {
    "city": {"home", "next_door", "far"},
    "county": {"home", "next_door"},
    "township": {"home"},
    "other_township": {"next_door"},
    "liaison": {"home"},
    "other_liaison": {"next_door"},
    "cadre": set(),
    "auditor": set(),
    "no_role": set(),
}

PLACE_OBJECTS = {
    Village: lambda place: place.village,
    Township: lambda place: place.village.township,
    County: lambda place: place.village.township.county,
    Household: lambda place: place.household,
    Unit: lambda place: place.unit,
    Cadre: lambda place: place.cadre,
    WorkGroup: lambda place: place.work_group,
    HouseholdAssignment: lambda place: place.assignment,
    Visit: lambda place: place.visit,
    Need: lambda place: place.need,
    VillageSurvey: lambda place: place.survey,
    ImportBatch: lambda place: place.batch,
}

# Models that belong to no place, and the roles that may see their rows.
SHARED_READERS = {
    City: {"city", "county", "township", "other_township", "liaison", "other_liaison"},
    VisitInterval: {"city", "county", "township", "other_township", "liaison", "other_liaison"},
    get_user_model(): {"city"},
    Group: {"city"},
    UserScope: {"city"},
    AuditEvent: {"city", "auditor"},
}

# Texts that name an object in exports and searches: places are named after their tag.
TAGS = {"home": "甲", "next_door": "乙", "far": "丙"}


def places(world: ScopeWorld) -> dict[str, Place]:
    return {"home": world.home, "next_door": world.next_door, "far": world.far}


def outside_objects(world: ScopeWorld, role: str, model: type[models.Model]) -> list[Any]:
    """The objects of ``model`` that ``role`` must not reach."""
    if model in PLACE_OBJECTS:
        get = PLACE_OBJECTS[model]
        inside = {get(place) for name, place in places(world).items() if name in INSIDE[role]}
        return [
            obj
            for name, place in places(world).items()
            if name not in INSIDE[role] and (obj := get(place)) not in inside
        ]
    if model in SHARED_READERS:
        if role in SHARED_READERS[model]:
            return []
        return list(model._default_manager.order_by("pk")[:3])
    return list(model._default_manager.order_by("pk")[:3]) if role != "city" else []


def marker(world: ScopeWorld, obj: Any) -> str | None:
    """A text that appears wherever ``obj`` is listed, and nowhere for objects in scope."""
    for name, place in places(world).items():
        for get in PLACE_OBJECTS.values():
            if get(place) == obj and type(obj) not in (County, Township):
                return TAGS[name]
    if isinstance(obj, County | Township):
        return obj.name
    return None


def admin_url(obj: Any, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def changelist_url(model: type[models.Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def object_urls(model_admin: admin.ModelAdmin, obj: Any) -> list[str]:
    """Every page of the admin about one object: change, history, delete and its own views."""
    urls = []
    for pattern in model_admin.get_urls():
        converters = pattern.pattern.converters
        if pattern.name and len(converters) == 1:
            (argument,) = converters
            urls.append(reverse(f"admin:{pattern.name}", kwargs={argument: obj.pk}))
    return urls


def autocomplete_sources() -> list[tuple[type[models.Model], str, type[models.Model]]]:
    """(source model, field, target model) for every autocomplete field of the admin site."""
    sources = []
    for model, model_admin in admin.site._registry.items():
        for field_name in model_admin.autocomplete_fields:
            field = model._meta.get_field(field_name)
            sources.append((model, field_name, field.related_model))
    return sources


def export_csv(client: Client, model: type[models.Model]) -> str | None:
    """The model's CSV export as the client's user; None when it may not export."""
    meta = model._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_export")
    except NoReverseMatch:
        return None
    page = client.get(url)
    if page.status_code != 200:
        return None
    form = page.context["form"]
    formats = dict(form.fields["format"].choices)
    csv_choice = next(key for key, label in formats.items() if str(label).lower() == "csv")
    data = {"resource": "0", "format": csv_choice}
    data |= {name: "on" for name, field in form.fields.items() if hasattr(field, "resource_name")}
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


class Probes:
    """Counts the probes run and collects the ones that failed, to report them all at once."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: list[str] = []

    def check(self, ok: bool, description: str) -> None:
        self.count += 1
        if not ok:
            self.failures.append(description)


PROBE_COUNTS: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_probe_count() -> Any:
    yield
    print(f"\nscope probes run: {sum(PROBE_COUNTS.values())} ({dict(PROBE_COUNTS)})")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "city"])
def test_no_admin_page_reaches_an_object_outside_the_role_s_scope(
    scope_world: ScopeWorld, role: str
) -> None:
    make_visit_intervals()
    AuditEvent.objects.create(username="probe", action="sign_in")
    client = Client()
    client.force_login(scope_world.users[role])
    probes = Probes()
    sources = autocomplete_sources()
    for model, model_admin in admin.site._registry.items():
        outside = outside_objects(scope_world, role, model)
        if not outside:
            continue
        listing = client.get(changelist_url(model))
        listed = listing.content.decode() if listing.status_code == 200 else ""
        if model not in PLACE_OBJECTS:
            # A role that may not see a table's rows may not add to it either.
            meta = model._meta
            add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
            probes.check(add.status_code != 200, f"{role} × {model.__name__}: add page answered")
        for obj in outside:
            label = f"{role} × {model.__name__} #{obj.pk}"
            change = admin_url(obj, "change")
            probes.check(change not in listed, f"{label}: listed")
            for url in object_urls(model_admin, obj):
                status = client.get(url).status_code
                probes.check(status != 200, f"{label}: {url} answered 200")
            client.post(admin_url(obj, "delete"), {"post": "yes"})
            probes.check(model._default_manager.filter(pk=obj.pk).exists(), f"{label}: deleted")
            text = marker(scope_world, obj)
            if text and model_admin.search_fields and listing.status_code == 200:
                found = client.get(changelist_url(model), {"q": text}).content.decode()
                probes.check(change not in found, f"{label}: found by searching {text}")
            for source, field_name, target in sources:
                if target is not model or not text:
                    continue
                response = client.get(
                    reverse("admin:autocomplete"),
                    {
                        "app_label": source._meta.app_label,
                        "model_name": source._meta.model_name,
                        "field_name": field_name,
                        "term": text,
                    },
                )
                ids = (
                    [row["id"] for row in response.json()["results"]]
                    if response.status_code == 200
                    else []
                )
                probes.check(
                    str(obj.pk) not in ids,
                    f"{label}: offered by the autocomplete of {source.__name__}.{field_name}",
                )
        exported = export_csv(client, model)
        if exported is not None:
            for obj in outside:
                text = marker(scope_world, obj)
                if text:
                    probes.check(
                        text not in exported, f"{role} × {model.__name__}: {text} exported"
                    )
    PROBE_COUNTS[role] = probes.count
    assert probes.count > 0
    assert probes.failures == []


@pytest.mark.parametrize("role", ["city", "county", "township", "liaison"])
def test_coordinators_see_the_objects_inside_their_scope(
    scope_world: ScopeWorld, role: str
) -> None:
    client = Client()
    client.force_login(scope_world.users[role])
    home = scope_world.home
    shown = [home.village, home.household, home.unit, home.cadre, home.work_group]
    shown += [home.assignment, home.visit, home.need, home.survey]
    for obj in shown:
        listing = client.get(changelist_url(type(obj)))
        assert listing.status_code == 200, type(obj).__name__
        assert admin_url(obj, "change") in listing.content.decode(), type(obj).__name__
        assert client.get(admin_url(obj, "change")).status_code == 200


def test_every_registered_admin_applies_the_scoping_mixin() -> None:
    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ScopedAdminMixin)
    ]
    assert unscoped == []


class _LaterHouseholdAdmin(admin.ModelAdmin):
    """An admin page of the project, registered on a site after the project started."""


@pytest.mark.parametrize("admin_class", [None, _LaterHouseholdAdmin])
def test_a_page_registered_on_the_site_is_served_under_the_rules(admin_class: Any) -> None:
    site = CampaignAdminSite(name="probe")
    site.register(Household, admin_class)
    assert isinstance(site._registry[Household], ScopedAdminMixin)


def test_the_site_does_not_serve_a_library_s_own_page() -> None:
    site = CampaignAdminSite(name="probe")
    site.register(Group, GroupAdmin)
    site.register(DBTaskResult, DBTaskResultAdmin)
    assert site._registry == {}
    site.register(Group, ScopedGroupAdmin)
    assert isinstance(site._registry[Group], ScopedGroupAdmin)
    assert isinstance(site._registry[Group], ScopedAdminMixin)


def test_the_project_s_own_account_and_task_pages_are_the_ones_served() -> None:
    assert isinstance(admin.site._registry[get_user_model()], ScopedUserAdmin)
    assert isinstance(admin.site._registry[Group], ScopedGroupAdmin)
    assert type(admin.site._registry[DBTaskResult]).__module__ != DBTaskResultAdmin.__module__


def test_every_inline_of_a_scoped_admin_is_scoped(scope_world: ScopeWorld, rf: Any) -> None:
    request = rf.get("/")
    request.user = scope_world.users["city"]
    for model_admin in admin.site._registry.values():
        for inline in model_admin.get_inline_instances(request):
            assert isinstance(inline, ScopedAdminMixin), type(inline).__name__


def test_the_sidebar_filters_name_no_area_or_unit_outside_the_scope(
    scope_world: ScopeWorld,
) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    for model in (Household, Village, WorkGroup, HouseholdAssignment, Unit, VillageSurvey):
        page = client.get(changelist_url(model)).content.decode()
        for name in ("乙镇", "丙镇", "曹县", "乙局", "丙局"):
            assert name not in page, (model.__name__, name)


def test_a_forged_assignment_of_a_household_outside_the_scope_writes_nothing(
    scope_world: ScopeWorld,
) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    before = HouseholdAssignment.objects.count()
    response = client.post(
        reverse("admin:units_householdassignment_add"),
        {
            "household": scope_world.far.household.pk,
            "cadre": scope_world.home.cadre.pk,
            "started_on": TODAY,
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert HouseholdAssignment.objects.count() == before


def test_a_forged_move_of_a_household_into_a_village_outside_the_scope_is_refused(
    scope_world: ScopeWorld,
) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    household = scope_world.home.household
    page = client.get(admin_url(household, "change"))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data |= {"village": scope_world.next_door.village.pk, "id_number": household.id_number}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form.initial
        data |= {f"{inline.formset.prefix}-{key}": value for key, value in management.items()}
    response = client.post(admin_url(household, "change"), data)
    assert "选择一个有效的选项" in response.content.decode()
    household.refresh_from_db()
    assert household.village == scope_world.home.village


def test_a_forged_work_group_of_another_unit_in_a_far_village_writes_nothing(
    scope_world: ScopeWorld,
) -> None:
    client = Client()
    client.force_login(scope_world.users["liaison"])
    response = client.post(
        reverse("admin:units_workgroup_add"),
        {
            "unit": scope_world.next_door.unit.pk,
            "village": scope_world.far.village.pk,
            "established_on": TODAY,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not WorkGroup.objects.filter(village=scope_world.far.village, unit__name="乙局").exists()


def test_assigning_households_refuses_a_cadre_outside_the_scope(
    scope_world: ScopeWorld,
) -> None:
    client = Client()
    client.force_login(scope_world.users["liaison"])
    household = scope_world.home.household
    url = f"{reverse('admin:villages_household_assign')}?ids={household.pk}"
    client.post(url, {"cadre": scope_world.far.cadre.pk, "started_on": TODAY})
    assert not HouseholdAssignment.objects.filter(
        household=household, cadre=scope_world.far.cadre
    ).exists()


@pytest.mark.parametrize(
    ("role", "area", "status"),
    [
        ("county", "far_county", 403),
        ("county", "far_township", 403),
        ("county", "next_door_township", 200),
        ("township", "home_county", 403),
        ("township", "next_door_township", 403),
        ("township", "home_township", 200),
        ("liaison", "home_township", 403),
        ("auditor", "home_township", 403),
    ],
)
def test_dashboards_and_gap_lists_refuse_areas_outside_the_user_s_own(
    scope_world: ScopeWorld, role: str, area: str, status: int
) -> None:
    areas = {
        "far_county": scope_world.far.village.township.county,
        "far_township": scope_world.far.village.township,
        "next_door_township": scope_world.next_door.village.township,
        "home_county": scope_world.home.village.township.county,
        "home_township": scope_world.home.village.township,
    }
    client = Client()
    client.force_login(scope_world.users[role])
    code = areas[area].code
    assert client.get(reverse("dashboard"), {"area": code}).status_code == status
    gaps = reverse("gap_list", args=["households"])
    assert client.get(gaps, {"area": code}).status_code == status


def test_the_dashboard_opens_on_the_coordinator_s_own_area(scope_world: ScopeWorld) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert page.context["area"] == scope_world.home.village.township
    make_household(village=scope_world.home.village, head_name="甲无人户")
    make_household(village=scope_world.far.village, head_name="丙无人户")
    gaps = reverse("gap_list", args=["households"])
    listing = client.get(gaps).content.decode()
    assert "甲无人户" in listing
    assert "丙无人户" not in listing
    exported = openpyxl.load_workbook(io.BytesIO(client.get(gaps, {"format": "xlsx"}).content))
    cells = {str(cell.value) for row in exported.active.iter_rows() for cell in row}
    assert "甲无人户" in cells
    assert "丙无人户" not in cells


def test_an_import_into_a_village_outside_the_scope_is_refused(scope_world: ScopeWorld) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    upload = SimpleUploadedFile("花名册.csv", "户主姓名,身份证号码\n".encode())
    response = client.post(
        reverse("admin:villages_importbatch_add"),
        {"file": upload, "village": scope_world.far.village.pk},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not ImportBatch.objects.filter(created_by=scope_world.users["township"]).exists()


def test_a_roster_cannot_change_a_household_outside_the_uploader_s_scope(
    scope_world: ScopeWorld,
) -> None:
    from villages.imports import batches

    far = scope_world.far.household
    rows = [["户主姓名", "身份证号码", "家庭人口"], ["甲新户主", far.id_number, 5]]
    data = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    batch = batches.create_batch(
        data=data,
        file_name="甲花名册.csv",
        scope=scope_world.home.village,
        user=scope_world.users["township"],
        move_households=True,
    )
    batch = batches.check_batch(batch)
    assert (batch.created, batch.updated, batch.rejected) == (0, 0, 1)
    rejection = str(batch.report)
    assert "该户已登记在您管辖范围以外的村（社区），不能通过本文件修改。" in rejection
    assert "丙" not in rejection
    batches.confirm_batch(batch)
    far.refresh_from_db()
    assert (far.village, far.head_name) == (scope_world.far.village, "丙户主")


def test_an_assignment_file_cannot_link_a_household_outside_the_uploader_s_scope(
    scope_world: ScopeWorld,
) -> None:
    from villages.imports import batches

    cadre = scope_world.home.cadre
    rows = [
        ["单位", "干部姓名", "户主身份证号"],
        [cadre.unit.name, cadre.name, scope_world.next_door.household.id_number],
    ]
    data = "\n".join(",".join(str(v) for v in row) for row in rows).encode()
    batch = batches.create_batch(
        data=data,
        file_name="联系户.csv",
        scope=None,
        kind=ImportBatch.Kind.ASSIGNMENTS,
        user=scope_world.users["liaison"],
        reassign_households=True,
    )
    batch = batches.check_batch(batch)
    assert (batch.created, batch.updated, batch.rejected) == (0, 0, 1)
    assert "该户登记在您管辖范围以外的村（社区）。" in str(batch.report)


@pytest.mark.parametrize(
    "model", [Household, Village, Unit, Cadre, WorkGroup, HouseholdAssignment, Visit, Need]
)
def test_scoped_lists_cost_the_same_queries_as_the_data_grows(
    scope_world: ScopeWorld, model: type[models.Model], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.force_login(scope_world.users["township"])
    with CaptureQueriesContext(connection) as first:
        assert client.get(changelist_url(model)).status_code == 200
    for tag, township in (("甲", scope_world.home.village.township), ("丙", None)):
        for n in range(3):
            place = make_place(
                township=township or scope_world.far.village.township, tag=f"{tag}{n}"
            )
            make_work_group(unit=place.unit, village=scope_world.home.village)
    with django_assert_max_num_queries(len(first)):
        assert client.get(changelist_url(model)).status_code == 200


def test_no_admin_uses_raw_id_fields_which_would_skip_the_scoped_choices() -> None:
    assert [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.raw_id_fields
    ] == []


@pytest.mark.parametrize("role", ["cadre", "township", "liaison"])
def test_cadre_and_print_pages_of_objects_outside_the_scope_are_not_found(
    scope_world: ScopeWorld, role: str
) -> None:
    far = scope_world.far
    client = Client()
    client.force_login(scope_world.users[role])
    urls = [
        reverse("visits:household", args=[far.household.pk]),
        reverse("visits:log_visit", args=[far.household.pk]),
        reverse("visits:need", args=[far.need.pk]),
        reverse("visits:need_step", args=[far.need.pk]),
        reverse("units:village_survey", args=[far.village.pk]),
        reverse("units:work_group_board", args=[far.work_group.pk]),
        reverse("units:village_cards", args=[far.village.pk]),
        reverse("units:cadre_cards", args=[far.cadre.pk]),
        reverse("units:cadre_photo", args=[far.cadre.pk]),
    ]
    answered = {url: client.get(url).status_code for url in urls}
    assert [url for url, status in answered.items() if status == 200] == []
    for url in urls[1:2] + urls[3:4]:
        client.post(url, {"summary": "伪造", "visited_on": TODAY, "method": "home"})
    assert not Visit.objects.filter(summary="伪造").exists()


@pytest.mark.parametrize("role", ["cadre", "township", "liaison"])
def test_visit_photos_outside_the_scope_are_not_found(
    scope_world: ScopeWorld, role: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    far = scope_world.far
    photo = VisitPhoto(visit=far.visit)
    photo.image.save("丙.jpg", ContentFile(camera_photo()), save=True)
    client = Client()
    client.force_login(scope_world.users[role])
    for url in [
        reverse("visits:household_photo", args=[far.household.pk, photo.pk]),
        reverse("visits:household_photo", args=[scope_world.home.household.pk, photo.pk]),
        reverse("admin:visits_visit_photo", args=[far.visit.pk, photo.pk]),
        reverse("admin:visits_visit_photo", args=[scope_world.home.visit.pk, photo.pk]),
    ]:
        assert client.get(url).status_code in (302, 403, 404), url


@pytest.mark.parametrize("role", ["cadre", "township", "liaison"])
def test_the_offline_queue_reaches_nothing_outside_the_scope(
    scope_world: ScopeWorld, role: str
) -> None:
    far = scope_world.far
    client = Client()
    client.force_login(scope_world.users[role])
    pages = client.get(reverse("visits:offline_pages")).json()["pages"]
    assert reverse("visits:household", args=[far.household.pk]) not in pages
    assert reverse("visits:need", args=[far.need.pk]) not in pages
    queued = {"HTTP_ACCEPT": "application/json", "HTTP_X_OFFLINE_QUEUE": "1"}
    visit = client.post(
        reverse("visits:log_visit", args=[far.household.pk]),
        {"summary": "伪造", "visited_on": TODAY, "method": "home", "client_key": uuid.uuid4()},
        **queued,
    )
    step = client.post(
        reverse("visits:need_step", args=[far.need.pk]),
        {"step": "note", "note-text": "伪造进展", "note-on": TODAY, "client_key": uuid.uuid4()},
        **queued,
    )
    assert {visit.status_code, step.status_code} <= {404, 409}
    assert not Visit.objects.filter(summary="伪造").exists()
    assert not far.need.notes.filter(text="伪造进展").exists()


def test_a_city_coordinator_grants_roles_on_the_user_page(scope_world: ScopeWorld) -> None:
    client = Client()
    client.force_login(scope_world.users["city"])
    user = scope_world.users["no_role"]
    url = admin_url(user, "change")
    page = client.get(url)
    assert "角色与范围" in page.content.decode()
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "scope-TOTAL_FORMS": "1",
        "scope-INITIAL_FORMS": "0",
        "scope-0-role": "township",
        "scope-0-township": scope_world.far.village.township.pk,
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
    }
    data.pop("date_joined", None)
    data.pop("password", None)
    data.pop("last_login", None)
    data["user_permissions"] = []
    data.pop("groups", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert UserScope.objects.get(user=user).township == scope_world.far.village.township
    listing = client.get(changelist_url(get_user_model())).content.decode()
    assert "乡镇协调员" in listing


def test_only_city_coordinators_reach_the_user_pages(scope_world: ScopeWorld) -> None:
    for role in ("county", "township", "liaison", "auditor"):
        client = Client()
        client.force_login(scope_world.users[role])
        assert client.get(changelist_url(get_user_model())).status_code == 403
        url = admin_url(scope_world.users["no_role"], "change")
        assert client.get(url).status_code != 200
