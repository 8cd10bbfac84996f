"""A malformed query parameter gets 400 or 404, never a server error, on every page.

The pages come from the URLconf itself (admin and not), with path converters filled with the
keys of existing objects; each page's parameters (a generic set, the ones the project's views
read, each admin list's filters and, on add pages, every form field) are sent one by one with
a NUL byte, 10,000 characters, letters and a negative number.
"""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from assessments.models import Assessment, CriterionScore, RectificationItem
from projects.models import ActivityPhoto, Project, ProjectNote
from reminders.models import Delivery
from satisfaction.interviews import record_attempt
from satisfaction.models import Round, Sample
from shuanglian.figures import coverage
from shuanglian.figures.ranking import weights_for
from shuanglian.models import ReportArchive
from tests.conftest import ScopeWorld
from tests.factories import (
    make_checklist,
    make_funded_project,
    make_household,
    make_open_round,
    make_user,
    make_village,
)
from tests.photo_files import camera_photo
from units.models import CadreAbsence
from visitflags.detection import flag_absence
from visits.models import Visit, VisitPhoto

pytestmark = pytest.mark.django_db

BAD_VALUES = {
    "NUL": "1\x00",
    "overlong": "9" * 10_000,
    "letters": "abc",
    "negative": "-1",
}
# Sent to every page.
GENERIC = ["area", "page", "p", "q", "o", "format", "_facets", "e", "all"]
# What the project's own views and admin pages read, beyond their list filters.
KNOWN = [
    "ids",
    "kind",
    "responsible_on",
    "model_name",
    "field_name",
    "app_label",
    "term",
    "year",
    "step",
    "_to_field",
    "_popup",
    "_changelist_filters",
    "next",
    "county",
    "township",
    "village_kind",
    "period",
]
# Task results exist only with the database task backend, which tests replace with the
# immediate one; the list is django-tasks-db's own, read-only, without custom parameters.
NOT_WALKED = ("admin/django_tasks_database/",)
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Page:
    route: str
    name: str | None
    url: str
    model: type[models.Model] | None


def routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def admin_model(route: str) -> type[models.Model] | None:
    parts = route.split("/")
    if len(parts) > 2 and parts[0] == "admin":
        try:
            return apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            return None
    return None


def _interview(world: ScopeWorld) -> Sample:
    """A household of the home township drawn for the home cadre (the cadre role) to interview,
    in a village their unit does not link, interviewed; made once."""
    sample = Sample.objects.filter(interviewer=world.home.cadre).first()
    if sample is not None:
        return sample
    village = make_village(township=world.home.village.township, name="甲测评村")
    make_household(village=village)
    round = make_open_round(world.home.village.township, interviewers={village: world.home.cadre})
    sample = Sample.objects.get(round=round, interviewer=world.home.cadre)
    record_attempt(
        sample=sample,
        method="phone",
        reached=True,
        answers=dict.fromkeys(round.questions.values_list("pk", flat=True), "satisfied"),
        by=world.users["cadre"],
    )
    return sample


def _archived_report(world: ScopeWorld) -> ReportArchive:
    """An archived report of the home township; made once."""
    township = world.home.village.township
    found = ReportArchive.objects.filter(area_code=township.code).first()
    if found is not None:
        return found
    return ReportArchive.objects.create(
        area_code=township.code,
        area_name=township.name,
        level="township",
        period="2026-11",
        format="pdf",
        file=ContentFile(b"%PDF-1.7", name="report.pdf"),
        size=8,
        made_at=timezone.now(),
    )


def _days_away(world: ScopeWorld) -> CadreAbsence:
    """The home cadre's (the cadre role's) days away over the home visit, which is flagged
    for it; made once."""
    found = CadreAbsence.objects.filter(cadre=world.home.cadre).first()
    if found is not None:
        return found
    day = world.home.visit.visited_on
    absence = CadreAbsence.objects.create(
        cadre=world.home.cadre, starts_on=day, ends_on=day, reason="培训"
    )
    flag_absence(absence)
    return absence


def keys(world: ScopeWorld) -> dict[str, object]:
    """What fills the path of each page that is not an admin model's own."""
    home = world.home
    return {
        "interview": _interview(world).pk,
        "household": home.household.pk,
        "log_visit": home.household.pk,
        "household_photo": home.household.pk,
        "need": home.need.pk,
        "need_step": home.need.pk,
        "work_group_board": home.work_group.pk,
        "village_cards": home.village.pk,
        "cadre_cards": home.cadre.pk,
        "cadre_photo": home.cadre.pk,
        "village_survey": home.village.pk,
        "village_survey_year": home.village.pk,
        "report_archive_download": _archived_report(world).pk,
        "delete_days_away": _days_away(world).pk,
    }


def fill(route: str, name: str | None, world: ScopeWorld) -> Page | None:
    """The route with its converters filled from existing objects; None when nothing fits."""
    # The two regular-expression routes of admin: one app's index and the catch-all.
    if route.startswith("admin/^(?P<app_label>"):
        return Page(route, name, "/admin/villages/", None)
    if route == "admin/(?P<url>.*)$":
        return Page(route, name, "/admin/nothing-here/", None)
    model = admin_model(route)
    by_name = keys(world)
    household = world.home.household
    values: dict[str, str] = {}
    for match in CONVERTER.finditer(route):
        arg = match["name"]
        if arg == "year":
            values[arg] = str(timezone.localdate().year)
        elif arg == "slug" and name == "gap_list":
            values[arg] = next(iter(coverage.GAPS))
        elif arg == "step" and model is not None:
            # The first step of a project's, an allocation's or a survey round's pages.
            values[arg] = {Project: "start", Round: "draw"}.get(model, "review")
        elif arg in ("note", "photo"):
            inner = ProjectNote if arg == "note" else ActivityPhoto
            values[arg] = str(inner.objects.order_by("pk").values_list("pk", flat=True).first())
        elif arg == "photo_pk":
            values[arg] = str(VisitPhoto.objects.order_by("pk").values_list("pk", flat=True)[0])
        elif arg == "content_type_id":
            values[arg] = str(ContentType.objects.get_for_model(household).pk)
        elif route.startswith("admin/r/"):
            values[arg] = str(household.pk)
        elif model is not None:
            first = model._default_manager.order_by("pk").first()
            if first is None:
                return None
            values[arg] = str(first.pk)
        elif name in by_name:
            values[arg] = str(by_name[name])
        else:
            return None
    return Page(route, name, "/" + CONVERTER.sub(lambda m: values[m["name"]], route), model)


def every_page(world: ScopeWorld) -> tuple[list[Page], list[str]]:
    # The scope world has one of every campaign record; a group is the last admin list.
    Group.objects.get_or_create(name="协调员")
    if not Project.objects.exists():
        project = make_funded_project(work_group=world.home.work_group)
        photo = ActivityPhoto(activity=project.work_group.activities.first())
        photo.photo.save("活动.jpg", ContentFile(b"\xff\xd8 photo"), save=True)
    if not VisitPhoto.objects.exists():
        # On the first visit, which the admin's address takes, of the home household.
        visit = Visit.objects.order_by("pk").first()
        photo = VisitPhoto(visit=visit)
        photo.image.save("入户.jpg", ContentFile(camera_photo()), save=True)
    weights_for(timezone.localdate().year)
    if not Assessment.objects.exists():
        checklist = make_checklist()
        assessment = Assessment.objects.create(
            village=world.home.village, checklist=checklist, year=checklist.year
        )
        for criterion in checklist.criteria.all():
            CriterionScore.objects.create(assessment=assessment, criterion=criterion)
        RectificationItem.objects.create(
            assessment=assessment, task="整改", responsible="村支书", deadline=timezone.localdate()
        )
    if not Delivery.objects.exists():
        Delivery.objects.create(
            user=world.users["city"],
            day=timezone.localdate(),
            backend="reminders.backends.inapp.InAppBackend",
        )
    _days_away(world)
    pages, unfilled = [], []
    for route, pattern in routes(get_resolver().url_patterns):
        if route.startswith(NOT_WALKED):
            continue
        page = fill(route, pattern.name, world)
        if page is None:
            unfilled.append(route)
        else:
            pages.append(page)
    return pages, unfilled


def list_filter_parameters(model: type[models.Model], user: Any) -> list[str]:
    """The query parameters of an admin list's filters and date drill-down."""
    from django.test import RequestFactory

    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    names = [
        name for spec in changelist.filter_specs for name in spec.expected_parameters() if name
    ]
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        names += [f"{field}__year", f"{field}__month", f"{field}__day"]
    return names


def parameters_for(page: Page, user: Any) -> list[str]:
    names = [*GENERIC, *KNOWN]
    if page.model is not None and page.model in admin.site._registry:
        if page.name and page.name.endswith("_changelist"):
            names += list_filter_parameters(page.model, user)
        if page.name and page.name.endswith("_add"):
            # An add page takes each field's initial value from the address.
            names += [field.name for field in page.model._meta.get_fields() if field.concrete]
    return list(dict.fromkeys(names))


# Sent one by one: each can answer the whole request early (a redirect, a 400 or a 404) and
# would hide what the others do. The other parameters go together in one request per value.
ALONE = {"area", "format", "page", "p", "e", "_to_field", "_popup", "_changelist_filters"}


def queries(page: Page, user: Any) -> Iterator[tuple[str, dict[str, str]]]:
    names = parameters_for(page, user)
    alone = [name for name in names if name in ALONE]
    if page.name and page.name.endswith("_changelist"):
        # A list answers any filter it cannot apply with a redirect: each filter alone.
        alone = [name for name in names if name not in KNOWN]
    together = [name for name in names if name not in alone]
    for label, value in BAD_VALUES.items():
        if together:
            yield f"{'&'.join(together)}=<{label}>", dict.fromkeys(together, value)
        for name in alone:
            yield f"{name}=<{label}>", {name: value}


def server_errors(client: Client, pages: list[Page], user: Any) -> list[str]:
    errors = []
    for page in pages:
        for label, query in queries(page, user):
            try:
                with transaction.atomic():
                    status = client.get(page.url, query).status_code
            except Exception as error:  # every failure is listed
                status = f"{type(error).__name__}: {str(error)[:160]}"
            if not isinstance(status, int) or status >= 500:
                errors.append(f"{page.url}?{label} -> {status}")
    return errors


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    """Vouchers and photos of the projects' pages go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture(autouse=True)
def quiet_request_logs() -> Iterator[None]:
    # Thousands of expected 400s and 404s: formatting their log records is most of the time.
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_url_pattern_has_its_path_filled_from_existing_objects(
    scope_world: ScopeWorld,
) -> None:
    make_user("root", is_staff=True, is_superuser=True)
    _pages, unfilled = every_page(scope_world)
    assert unfilled == []


# The admin walk is long: one test per app, so that test runners can share it out.
ADMIN_APPS = sorted(
    {model._meta.app_label for model in admin.site._registry}
    - {path.split("/")[1] for path in NOT_WALKED}
)


def admin_app(url: str) -> str:
    """The app an admin address belongs to; "" for the site's own pages (index, password)."""
    part = url.removeprefix("/admin/").split("/", 1)[0]
    return part if part in ADMIN_APPS else ""


@pytest.mark.parametrize("app", ["", *ADMIN_APPS], ids=lambda app: app or "site")
def test_no_page_answers_a_malformed_parameter_with_a_server_error_for_a_superuser(
    scope_world: ScopeWorld, app: str
) -> None:
    root = make_user("root", is_staff=True, is_superuser=True)
    pages, _unfilled = every_page(scope_world)
    admin_pages = [
        page for page in pages if page.url.startswith("/admin/") and admin_app(page.url) == app
    ]
    assert admin_pages
    errors = server_errors(signed_in(root), admin_pages, root)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("role", ["city", "township", "cadre"])
def test_no_page_outside_admin_answers_a_malformed_parameter_with_a_server_error(
    scope_world: ScopeWorld, role: str
) -> None:
    user = scope_world.users[role]
    pages, _unfilled = every_page(scope_world)
    others = [page for page in pages if not page.url.startswith("/admin/")]
    errors = server_errors(signed_in(user), others, user)
    assert not errors, "\n".join(errors)


def test_the_reported_area_code_with_a_nul_byte_is_not_found(scope_world: ScopeWorld) -> None:
    client = signed_in(scope_world.users["city"])
    code = scope_world.home.village.code
    for url in ["/dashboard/", *(f"/dashboard/gaps/{slug}/" for slug in coverage.GAPS)]:
        assert client.get(url, {"area": f"{code}\x00"}).status_code == 404


def test_the_user_model_is_covered_by_the_walk(scope_world: ScopeWorld) -> None:
    pages, _unfilled = every_page(scope_world)
    assert any(page.model is get_user_model() for page in pages)


def test_an_add_page_with_a_malformed_initial_foreign_key_is_not_a_server_error(
    scope_world: ScopeWorld,
) -> None:
    client = signed_in(make_user("root", is_staff=True, is_superuser=True))
    with transaction.atomic():
        response = client.get("/admin/villages/village/add/", {"township": "abc"})
    assert response.status_code < 500


def test_a_nul_byte_in_a_field_filter_is_answered_as_a_bad_filter(scope_world: ScopeWorld) -> None:
    client = signed_in(make_user("root", is_staff=True, is_superuser=True))
    for url in [
        "/admin/villages/household/?category__exact=1%00",
        "/admin/shuanglian/auditevent/?action=sign_in%00",
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, url.split("?")[0] + "?e=1")


def test_a_key_filter_with_ten_thousand_digits_lists_everything(scope_world: ScopeWorld) -> None:
    client = signed_in(make_user("root", is_staff=True, is_superuser=True))
    response = client.get("/admin/villages/village/", {"county": "9" * 10_000, "_facets": "1"})
    assert response.status_code == 200
    assert scope_world.home.village.name in response.content.decode()


def test_an_export_with_a_filter_the_list_cannot_apply_is_a_bad_request(
    scope_world: ScopeWorld,
) -> None:
    client = signed_in(make_user("root", is_staff=True, is_superuser=True))
    assert client.get("/admin/villages/county/export/", {"area": "abc"}).status_code == 400


# Fields the cadre's forms read, beside the generic set.
POSTED = [
    "step",
    "client_key",
    "visited_on",
    "method",
    "outcome",
    "summary",
    "satisfaction",
    "needs-TOTAL_FORMS",
    "needs-INITIAL_FORMS",
    "needs-0-category",
    "text",
    "on",
    "main_problems",
]


def test_no_cadre_page_answers_malformed_posted_fields_with_a_server_error(
    scope_world: ScopeWorld,
) -> None:
    user = scope_world.users["cadre"]
    client = signed_in(user)
    pages, _unfilled = every_page(scope_world)
    errors = []
    for page in pages:
        if not page.url.startswith("/me/"):
            continue
        for name in [*GENERIC, *POSTED]:
            for label, value in BAD_VALUES.items():
                try:
                    with transaction.atomic():
                        status = client.post(page.url, {name: value}).status_code
                except Exception as error:  # every failure is listed
                    status = f"{type(error).__name__}: {str(error)[:160]}"
                if not isinstance(status, int) or status >= 500:
                    errors.append(f"POST {page.url} {name}=<{label}> -> {status}")
    assert not errors, "\n".join(errors)
