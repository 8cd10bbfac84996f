"""The cadre pages as an offline app: manifest, service worker, the pages kept on the phone,
signing out, and need steps and visits sent again from the phone's queue."""

import gzip
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_assignment, make_cadre, make_household, make_need, make_user
from units.models import HouseholdAssignment
from visits.models import Need, NeedNote, Visit
from visits.offline import SHELL_FILES, user_key

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
QUEUED = {"HTTP_ACCEPT": "application/json", "HTTP_X_OFFLINE_QUEUE": "1"}


@pytest.fixture
def cadre():
    cadre = make_cadre(name="王干部", user=make_user("wang", first_name="王干部"))
    for name in ("赵一", "钱二"):
        make_assignment(cadre=cadre, household=make_household(head_name=name))
    return cadre


@pytest.fixture
def other():
    other = make_cadre(name="李干部", user=make_user("li", first_name="李干部"))
    make_assignment(cadre=other, household=make_household(head_name="孙三"))
    return other


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_manifest_installs_the_cadre_pages_on_the_home_screen(cadre):
    response = Client().get("/me/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "双联双创·走访"
    assert manifest["short_name"] == "双联走访"
    assert (manifest["start_url"], manifest["scope"]) == ("/me/", "/me/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#b3131b"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, icon in sizes.items():
        assert "maskable" in icon["purpose"]
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon["src"]
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width = int.from_bytes(Path(path).read_bytes()[16:20], "big")
        assert f"{width}x{width}" == size


def test_the_service_worker_is_scoped_to_the_cadre_pages_and_never_cached(cadre):
    response = Client().get("/me/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/me/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    version = re.search(r'"version": "([0-9a-f]{16})"', body).group(1)
    for name in SHELL_FILES:
        assert f'"{settings.STATIC_URL}{name}"' in body
    assert '"pages_url": "/me/offline/pages.json"' in body
    # The version follows the files it keeps.
    from visits import offline

    offline.shell_version.cache_clear()
    assert offline.shell_version() == version


def test_cadre_pages_link_the_manifest_and_the_worker_and_other_pages_do_not(cadre):
    client = signed_in("wang")
    page = client.get(reverse("visits:my_households")).content.decode()
    assert '<link rel="manifest" href="/me/manifest.webmanifest">' in page
    assert 'data-worker="/me/sw.js"' in page
    assert f'data-user="{user_key(cadre.user)}"' in page
    login = Client().get(reverse("login")).content.decode()
    assert "manifest" not in login
    assert "sw.js" not in login


def test_the_pages_kept_offline_are_the_cadres_own_only(cadre, other):
    need = make_need(cadre=cadre, household=cadre.assignments.first().household)
    make_need(
        cadre=cadre, status=Need.Status.RESOLVED, resolution="已办", closed_on=timezone.localdate()
    )
    others_need = make_need(cadre=other, household=other.assignments.first().household)
    mine = [a.household_id for a in cadre.assignments.order_by("household_id")]
    # A household handed to someone else is no longer kept.
    ended = make_assignment(cadre=cadre, household=make_household(head_name="周四"))
    HouseholdAssignment.objects.filter(pk=ended.pk).update(ended_on=timezone.localdate())

    response = signed_in("wang").get("/me/offline/pages.json")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["user"] == user_key(cadre.user)
    assert data["csrf"]
    expected = ["/me/", "/me/needs/"]
    for pk in mine:
        expected += [f"/me/households/{pk}/", f"/me/households/{pk}/visit/"]
    expected.append(f"/me/needs/{need.pk}/")
    assert data["pages"] == expected
    others = other.assignments.first().household_id
    assert not any(str(others) in page or str(others_need.pk) in page for page in data["pages"][2:])
    assert user_key(other.user) != data["user"]


def test_the_pages_list_needs_a_signed_in_cadre(cadre):
    # Asked for in the background while the cadre may be on the sign-in page: answered without
    # a redirect, and without a CSRF cookie that would replace the sign-in form's.
    response = Client().get("/me/offline/pages.json")
    assert response.status_code == 401
    assert response.json() == {"signed_in": False}
    assert settings.CSRF_COOKIE_NAME not in response.cookies
    make_user("clerk")
    assert signed_in("clerk").get("/me/offline/pages.json").json()["pages"] == []


def test_signing_out_clears_what_the_phone_kept(cadre):
    response = signed_in("wang").post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_policy_allows_the_worker_and_manifest_from_the_site_only(cadre):
    header = signed_in("wang").get(reverse("visits:my_households"))["Content-Security-Policy"]
    assert "worker-src 'self'" in header
    assert "manifest-src 'self'" in header


def step_post(need: Need, key: uuid.UUID, **fields: str) -> dict[str, str]:
    return {
        "step": "note",
        "note-text": "电话回访，正在协调",
        "note-on": f"{need.raised_on}",
        "client_key": str(key),
        **fields,
    }


def test_a_need_step_sent_again_from_the_queue_is_stored_once(cadre):
    need = make_need(cadre=cadre, household=cadre.assignments.first().household)
    client = signed_in("wang")
    key = uuid.uuid4()
    url = reverse("visits:need_step", args=[need.pk])

    first = client.post(url, step_post(need, key), **QUEUED)
    again = client.post(url, step_post(need, key), **QUEUED)

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json() == {"url": f"/me/needs/{need.pk}/"}
    notes = NeedNote.objects.filter(need=need, text="电话回访，正在协调")
    assert [note.client_key for note in notes] == [key]


def test_a_resolving_step_sent_again_after_it_closed_the_need_is_not_a_conflict(cadre):
    need = make_need(cadre=cadre, household=cadre.assignments.first().household)
    client = signed_in("wang")
    key = uuid.uuid4()
    data = {
        "step": "resolve",
        "resolve-what_was_done": "已协调报销",
        "resolve-satisfaction": "satisfied",
        "resolve-on": f"{need.raised_on}",
        "client_key": str(key),
    }
    url = reverse("visits:need_step", args=[need.pk])
    assert client.post(url, data, **QUEUED).status_code == 200
    assert client.post(url, data, **QUEUED).status_code == 200
    need.refresh_from_db()
    assert need.status == Need.Status.RESOLVED
    assert need.notes.filter(client_key=key).count() == 1


def test_a_step_from_the_queue_on_a_need_closed_meanwhile_is_a_conflict(cadre):
    need = make_need(cadre=cadre, household=cadre.assignments.first().household)
    Need.objects.filter(pk=need.pk).update(
        status=Need.Status.RESOLVED, resolution="乡镇已办结", closed_on=timezone.localdate()
    )
    response = signed_in("wang").post(
        reverse("visits:need_step", args=[need.pk]), step_post(need, uuid.uuid4()), **QUEUED
    )
    assert response.status_code == 409
    assert response.json() == {"message": "这条诉求已经关闭，不能再变更。"}
    assert not need.notes.exists()


def test_a_step_on_a_need_no_longer_the_cadres_is_a_conflict_that_says_nothing_more(cadre, other):
    need = make_need(cadre=other, household=other.assignments.first().household)
    response = signed_in("wang").post(
        reverse("visits:need_step", args=[need.pk]), step_post(need, uuid.uuid4()), **QUEUED
    )
    assert response.status_code == 409
    assert response.json() == {"message": "此诉求已不由您负责，这一步没有记录。"}
    assert not need.notes.exists()
    # Without the queue's header, it is simply not found.
    plain = signed_in("wang").post(
        reverse("visits:need_step", args=[need.pk]), step_post(need, uuid.uuid4())
    )
    assert plain.status_code == 404


def test_a_visit_from_the_queue_for_a_household_handed_over_is_a_conflict(cadre, other):
    household = other.assignments.first().household
    response = signed_in("wang").post(
        reverse("visits:log_visit", args=[household.pk]),
        {"client_key": str(uuid.uuid4()), "visited_on": f"{timezone.localdate()}"},
        **QUEUED,
    )
    assert response.status_code == 409
    assert response.json() == {"message": "此户已不是您的联系户，这次走访没有记录。"}
    assert not Visit.objects.exists()


FIRST_LOAD_LIMIT = 150 * 1024


def test_the_first_load_of_my_households_weighs_under_150_kb_compressed(cadre):
    """The page, and every stylesheet, script and icon it or its manifest loads, gzipped."""
    client = signed_in("wang")
    html = client.get(reverse("visits:my_households")).content
    assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html))
    manifest = client.get("/me/manifest.webmanifest").json()
    assets |= {icon["src"].encode() for icon in manifest["icons"]}
    worker = client.get("/me/sw.js").content
    sizes = {"page": len(gzip.compress(html)), "worker": len(gzip.compress(worker))}
    for asset in sorted(assets):
        path = finders.find(asset.decode().removeprefix(settings.STATIC_URL))
        sizes[asset.decode()] = len(gzip.compress(Path(path).read_bytes()))
    total = sum(sizes.values())
    print("first load, gzip bytes:", sizes, "total", total)
    assert {"/static/css/site.css", "/static/js/offline.js", "/static/js/offline_queue.js"} <= set(
        sizes
    )
    assert total < FIRST_LOAD_LIMIT
