"""Import events are recorded by the import services: once per action, naming who acted,
whether the admin, a command, a background task or any other caller drives them."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import client_for, unique_resident_id
from villages import tasks
from villages.imports import batches, error_workbooks
from villages.imports.audit import SYSTEM_ACTOR
from villages.management.commands.import_roster import os_user
from villages.models import ImportBatch

pytestmark = pytest.mark.django_db

ACTIONS = ("import_upload", "import", "import_errors")


def roster(*rows: list[object]) -> bytes:
    header = ["户主姓名", "身份证号码", "村"]
    return "\n".join(",".join(str(v) for v in row) for row in [header, *rows]).encode()


def new_and_rejected() -> bytes:
    """One new household of 甲村 and one row rejected for its village."""
    return roster(
        ["甲新户", unique_resident_id(), "甲村"], ["错村户", unique_resident_id(), "无此村"]
    )


def uploaded(world: ScopeWorld, user_role: str = "township") -> ImportBatch:
    return batches.create_batch(
        data=new_and_rejected(),
        file_name="甲镇花名册.csv",
        scope=world.home.village.township,
        user=world.users[user_role],
    )


def recorded() -> list[tuple]:
    """Every import event so far: action, who, their account, batch, status."""
    return [
        (e.action, e.username, e.user_id, e.details["batch"], e.details["status"])
        for e in AuditEvent.objects.filter(action__in=ACTIONS).order_by("pk")
    ]


def test_checking_a_batch_records_its_upload_once_with_the_uploader_and_the_counts(
    scope_world: ScopeWorld,
) -> None:
    township = scope_world.users["township"]
    batch = batches.check_batch(uploaded(scope_world))
    assert recorded() == [("import_upload", "township", township.pk, batch.pk, "previewed")]
    event = AuditEvent.objects.get(action="import_upload")
    assert event.details == {
        "model": "villages.importbatch",
        "rows": 2,
        "batch": batch.pk,
        "kind": "roster",
        "file_name": "甲镇花名册.csv",
        "scope": "甲镇",
        "status": "previewed",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "skipped": 0,
    }
    assert event.ip is None


def test_a_refused_file_is_recorded_as_uploaded_once(scope_world: ScopeWorld) -> None:
    batch = batches.create_batch(
        data=b"\r\n,,\r\n",
        file_name="空表.csv",
        scope=scope_world.home.village,
        user=scope_world.users["township"],
    )
    batches.check_batch(batch)
    assert [row[0::4] for row in recorded()] == [("import_upload", "refused")]


def test_confirming_a_batch_records_the_import_once_naming_the_confirmer(
    scope_world: ScopeWorld,
) -> None:
    batch = batches.check_batch(uploaded(scope_world))
    county = scope_world.users["county"]
    batches.claim_for_import(batch)
    batches.set_confirmer(batch, county)
    batches.confirm_batch(batch)
    assert recorded()[1:] == [("import", "county", county.pk, batch.pk, "done")]
    assert AuditEvent.objects.get(action="import").details["created"] == 1


def test_a_batch_confirmed_by_nobody_else_is_recorded_as_imported_by_its_uploader(
    scope_world: ScopeWorld,
) -> None:
    township = scope_world.users["township"]
    batch = batches.confirm_batch(batches.check_batch(uploaded(scope_world)))
    assert recorded()[1:] == [("import", "township", township.pk, batch.pk, "done")]


def test_a_failed_import_is_recorded_once_as_failed(scope_world: ScopeWorld) -> None:
    batch = batches.check_batch(uploaded(scope_world))

    def fail(rows_done: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        batches.confirm_batch(batch, progress=fail)
    assert [row[0::4] for row in recorded()] == [
        ("import_upload", "previewed"),
        ("import", "failed"),
    ]


def test_a_system_import_names_the_system_and_the_operating_system_user(
    scope_world: ScopeWorld,
) -> None:
    batch = batches.create_batch(
        data=new_and_rejected(),
        file_name="甲镇花名册.csv",
        scope=scope_world.home.village.township,
        command_user="clerk",
    )
    batches.confirm_batch(batches.check_batch(batch))
    events = AuditEvent.objects.filter(action__in=ACTIONS).order_by("pk")
    assert [(e.action, e.username, e.user_id, e.details["os_user"]) for e in events] == [
        ("import_upload", SYSTEM_ACTOR, None, "clerk"),
        ("import", SYSTEM_ACTOR, None, "clerk"),
    ]


def test_the_background_tasks_record_the_upload_and_the_import_once_each(
    scope_world: ScopeWorld,
) -> None:
    batch = uploaded(scope_world)
    tasks.check_roster.enqueue(batch.pk)
    county = scope_world.users["county"]
    batch.refresh_from_db()
    batches.claim_for_import(batch)
    batches.set_confirmer(batch, county)
    tasks.import_roster.enqueue(batch.pk)
    township = scope_world.users["township"]
    assert recorded() == [
        ("import_upload", "township", township.pk, batch.pk, "previewed"),
        ("import", "county", county.pk, batch.pk, "done"),
    ]


def test_handing_out_an_error_workbook_records_it_once_with_who_and_whether_masked(
    scope_world: ScopeWorld,
) -> None:
    batch = batches.check_batch(uploaded(scope_world))
    county = scope_world.users["county"]
    error_workbooks.error_workbook(batch, user=county, masked=True)
    event = AuditEvent.objects.get(action="import_errors")
    assert (event.username, event.user_id, event.details["masked"]) == ("county", county.pk, True)
    assert "os_user" not in event.details


def upload(client: Client, world: ScopeWorld) -> ImportBatch:
    response = client.post(
        reverse("admin:villages_importbatch_add"),
        {
            "file": SimpleUploadedFile("甲镇花名册.csv", new_and_rejected()),
            "township": world.home.village.township.pk,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.text
    return ImportBatch.objects.latest("pk")


def test_the_admin_records_one_event_per_upload_confirm_and_download(
    scope_world: ScopeWorld,
) -> None:
    township = scope_world.users["township"]
    client = client_for(township)
    batch = upload(client, scope_world)
    client.post(
        reverse("admin:villages_importbatch_confirm", args=[batch.pk]), REMOTE_ADDR="10.1.2.3"
    )
    client.get(
        reverse("admin:villages_importbatch_errors", args=[batch.pk]), REMOTE_ADDR="10.1.2.3"
    )
    assert recorded() == [
        ("import_upload", "township", township.pk, batch.pk, "previewed"),
        ("import", "township", township.pk, batch.pk, "done"),
        ("import_errors", "township", township.pk, batch.pk, "done"),
    ]
    ips = AuditEvent.objects.filter(action__in=ACTIONS).values_list("ip", flat=True)
    assert list(ips) == ["10.1.2.3"] * 3


def test_an_admin_upload_checked_and_imported_in_the_background_is_recorded_once_each(
    scope_world: ScopeWorld, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.ROSTER_BACKGROUND_BYTES = 0
    township = scope_world.users["township"]
    client = client_for(township)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(client, scope_world)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:villages_importbatch_confirm", args=[batch.pk]), REMOTE_ADDR="10.9.8.7"
        )
    assert recorded() == [
        ("import_upload", "township", township.pk, batch.pk, "previewed"),
        ("import", "township", township.pk, batch.pk, "done"),
    ]
    # The worker's check counted the rows, as a check in the request does.
    upload_event = AuditEvent.objects.get(action="import_upload")
    assert (upload_event.details["created"], upload_event.details["rejected"]) == (1, 1)
    # The worker has no request: each event names the address the work was asked from.
    assert upload_event.ip == "10.1.2.3"
    assert AuditEvent.objects.get(action="import").ip == "10.9.8.7"


def test_the_command_records_one_upload_and_one_import(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = tmp_path / "甲镇.csv"
    path.write_bytes(new_and_rejected())
    township = scope_world.users["township"]
    code = scope_world.home.village.township.code
    call_command("import_roster", str(path), "--township", code, "--by", "township")
    batch = ImportBatch.objects.latest("pk")
    assert recorded() == [
        ("import_upload", "township", township.pk, batch.pk, "previewed"),
        ("import", "township", township.pk, batch.pk, "done"),
    ]
    events = AuditEvent.objects.filter(action__in=ACTIONS)
    assert {e.details["os_user"] for e in events} == {os_user()}
