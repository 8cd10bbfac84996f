"""The assignment import keeps to the maximum households per cadre, as every other path does:
rows that would take a cadre over it are rejected, unless the batch carries the override,
which the audit trail records; the confirm counts again."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests.conftest import SUPERUSER
from tests.factories import make_assignment, make_cadre, make_household, make_unit, make_village
from units import assignment_rows, assignment_writing
from units.models import Cadre, HouseholdAssignment
from villages.imports import batches
from villages.models import Household, ImportBatch, Village

pytestmark = pytest.mark.django_db

HEADER = "单位,干部姓名,户主身份证号"
ADD_URL = f"{reverse('admin:villages_importbatch_add')}?kind=assignments"


def over_message(name: str, current: int, added: int, maximum: int = 10) -> str:
    return (
        f"干部{name}已联系{current}户，本文件再分配{added}户将超过每名干部最多{maximum}户的"
        "上限；确需分配请勾选“超过上限仍分配”后重新导入。"
    )


@pytest.fixture
def village() -> Village:
    return make_village()


def loaded_cadre(village: Village, name: str, count: int) -> Cadre:
    cadre = make_cadre(unit=make_unit(name=f"{name}的单位"), name=name)
    for _ in range(count):
        make_assignment(household=make_household(village=village), cadre=cadre)
    return cadre


def free_households(village: Village, count: int) -> list[Household]:
    return [make_household(village=village) for _ in range(count)]


def csv_for(*links: tuple[Cadre, Household]) -> bytes:
    lines = [HEADER, *(f"{c.unit.name},{c.name},{h.id_number}" for c, h in links)]
    return "\n".join(lines).encode()


def checked(data: bytes, **options: object) -> ImportBatch:
    batch = batches.create_batch(
        data=data,
        file_name="联系户.csv",
        scope=None,
        kind=ImportBatch.Kind.ASSIGNMENTS,
        **options,
    )
    return batches.check_batch(batch)


def reasons(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(r["row"], r["column"], r["reason"]) for r in batch.report["rejected"]]


def load_of(cadre: Cadre) -> int:
    return HouseholdAssignment.objects.active().filter(cadre=cadre).count()


def test_rows_taking_a_cadre_over_the_maximum_are_rejected_naming_the_cadre(
    village: Village,
) -> None:
    wang = loaded_cadre(village, "王某", 8)
    zhou = loaded_cadre(village, "周某", 0)
    new = free_households(village, 4)
    batch = checked(csv_for((wang, new[0]), (zhou, new[1]), (wang, new[2]), (wang, new[3])))

    assert (batch.created, batch.rejected) == (1, 3)
    message = over_message("王某", 8, 3)
    assert reasons(batch) == [(row, "干部姓名", message) for row in (2, 4, 5)]

    batches.confirm_batch(batch)
    assert (load_of(wang), load_of(zhou)) == (8, 1)


def test_up_to_the_maximum_is_accepted(village: Village) -> None:
    wang = loaded_cadre(village, "王某", 8)
    new = free_households(village, 2)
    batch = checked(csv_for((wang, new[0]), (wang, new[1])))
    assert (batch.created, batch.rejected) == (2, 0)


def test_households_leaving_a_cadre_in_the_same_file_free_their_places(
    village: Village,
) -> None:
    wang = loaded_cadre(village, "王某", 10)
    zhou = loaded_cadre(village, "周某", 0)
    leaving = HouseholdAssignment.objects.active().filter(cadre=wang).first().household
    arriving = free_households(village, 1)[0]
    data = csv_for((zhou, leaving), (wang, arriving))

    # Without reassigning, the household stays with 王某, who then has no place free.
    assert reasons(checked(data))[1] == (3, "干部姓名", over_message("王某", 10, 1))
    ImportBatch.objects.all().delete()
    batch = checked(data, reassign_households=True)
    assert (batch.created, batch.updated, batch.rejected) == (1, 1, 0)
    batches.confirm_batch(batch)
    assert (load_of(wang), load_of(zhou)) == (10, 1)


def test_a_cadre_whose_households_stay_because_of_another_refusal_is_counted_again(
    village: Village,
) -> None:
    wang = loaded_cadre(village, "王某", 10)
    zhou = loaded_cadre(village, "周某", 10)
    leaving = HouseholdAssignment.objects.active().filter(cadre=wang).first().household
    arriving = free_households(village, 1)[0]
    # 周某 may not take 王某's household, so it stays with 王某, who then has no place free.
    batch = checked(csv_for((zhou, leaving), (wang, arriving)), reassign_households=True)
    assert reasons(batch) == [
        (2, "干部姓名", over_message("周某", 10, 1)),
        (3, "干部姓名", over_message("王某", 10, 1)),
    ]
    assert batch.created + batch.updated == 0


def test_the_override_admits_them_and_the_audit_trail_records_the_cadres(
    village: Village,
) -> None:
    wang = loaded_cadre(village, "王某", 8)
    new = free_households(village, 3)
    batch = checked(csv_for(*((wang, household) for household in new)), over_maximum=True)
    assert (batch.over_maximum, batch.created, batch.rejected) == (True, 3, 0)

    batches.confirm_batch(batch)
    assert load_of(wang) == 11
    event = AuditEvent.objects.get(action="assignments_assign")
    assert event.object_id == str(wang.pk)
    assert event.details["batch"] == batch.pk
    assert event.details["over_maximum"] == [
        {"cadre": wang.pk, "name": "王某", "before": 8, "added": 3}
    ]


def test_an_import_within_the_maximum_records_no_override(village: Village) -> None:
    wang = loaded_cadre(village, "王某", 2)
    batch = checked(csv_for((wang, free_households(village, 1)[0])), over_maximum=True)
    batches.confirm_batch(batch)
    assert load_of(wang) == 3
    assert not AuditEvent.objects.filter(action="assignments_assign").exists()


def test_the_confirm_counts_again_households_given_meanwhile(village: Village) -> None:
    wang = loaded_cadre(village, "王某", 7)
    zhou = loaded_cadre(village, "周某", 0)
    new = free_households(village, 4)
    batch = checked(csv_for((wang, new[0]), (wang, new[1]), (wang, new[2]), (zhou, new[3])))
    assert (batch.created, batch.rejected) == (4, 0)

    make_assignment(household=make_household(village=village), cadre=wang)
    batches.confirm_batch(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.rejected) == ("done", 1, 3)
    assert reasons(batch)[0] == (2, "干部姓名", over_message("王某", 8, 3))
    assert (load_of(wang), load_of(zhou)) == (8, 1)


def test_writing_links_refuses_going_over_without_the_override(village: Village) -> None:
    wang = loaded_cadre(village, "王某", 10)
    household = free_households(village, 1)[0]
    row = assignment_rows.AssignmentRow("Sheet1", 2, household.id_number, "单位", "王某")
    link = assignment_rows.Link(row, household.pk, wang.pk, village.pk)
    with pytest.raises(assignment_writing.OverMaximum), transaction.atomic():
        assignment_writing.write_links([link])
    assert load_of(wang) == 10
    with transaction.atomic():
        over = assignment_writing.write_links([link], over_maximum=True)
    assert over == [{"cadre": wang.pk, "name": "王某", "before": 10, "added": 1}]
    assert load_of(wang) == 11


def test_the_command_line_rejects_them_unless_over_maximum_is_given(
    village: Village, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wang = loaded_cadre(village, "王某", 9)
    new = free_households(village, 2)
    path = tmp_path / "联系户.csv"
    path.write_bytes(csv_for((wang, new[0]), (wang, new[1])))

    call_command("import_assignments", str(path))
    out = capsys.readouterr().out
    assert (
        "干部王某已联系9户，本文件再分配2户将超过每名干部最多10户的上限；"
        "确需分配请加 --over-maximum 后重新导入。"
    ) in out
    assert load_of(wang) == 9

    call_command("import_assignments", str(path), "--over-maximum")
    assert load_of(wang) == 11
    assert ImportBatch.objects.latest("pk").over_maximum is True
    event = AuditEvent.objects.get(action="assignments_assign")
    assert event.details["over_maximum"][0]["before"] == 9
    assert event.details["os_user"]


def test_the_upload_page_offers_the_override_and_stores_it(
    superuser_client: Client, village: Village
) -> None:
    page = superuser_client.get(ADD_URL)
    assert 'name="over_maximum"' in page.text
    assert "超过上限仍分配" in page.text
    roster_page = superuser_client.get(reverse("admin:villages_importbatch_add"))
    assert 'name="over_maximum"' not in roster_page.text

    wang = loaded_cadre(village, "王某", 10)
    data = csv_for((wang, free_households(village, 1)[0]))
    file = SimpleUploadedFile("联系户.csv", data)
    response = superuser_client.post(ADD_URL, {"file": file, "over_maximum": "on"})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.over_maximum, batch.created, batch.rejected) == (True, 1, 0)

    confirm = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    assert superuser_client.post(confirm).status_code == 302
    assert load_of(wang) == 11
    event = AuditEvent.objects.get(action="assignments_assign")
    assert event.username == SUPERUSER.username
    assert event.details["over_maximum"][0]["added"] == 1
