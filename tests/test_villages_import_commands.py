"""Command-line imports: acting as a named user (--by) or as the system, always audited."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import make_household, unique_resident_id
from villages.imports.audit import SYSTEM_ACTOR
from villages.management.commands.import_roster import os_user
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db


def write_csv(path: Path, rows: list[list[object]]) -> str:
    path.write_text("\n".join(",".join(str(v) for v in row) for row in rows), encoding="utf-8")
    return str(path)


def township_roster(tmp_path: Path, world: ScopeWorld, new_id: str) -> str:
    """A roster with a new household in the home township and one in the next township."""
    return write_csv(
        tmp_path / "花名册.csv",
        [
            ["户主姓名", "身份证号码", "村", "家庭人口"],
            ["甲新户", new_id, "甲村", 2],
            ["乙户主", world.next_door.household.id_number, "乙村", 8],
        ],
    )


def imported() -> QuerySet:
    """The batches the commands made (the world has a stand-in batch in each village)."""
    return ImportBatch.objects.exclude(sha256="0" * 64)


def events(action: str) -> list[tuple]:
    return [
        (e.username, e.user_id, e.details["os_user"], e.details["batch"])
        for e in AuditEvent.objects.filter(action=action).order_by("pk")
    ]


def test_an_import_by_a_named_user_acts_as_them_and_names_them_in_the_audit_trail(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    user = scope_world.users["township"]
    new_id = unique_resident_id()
    path = write_csv(
        tmp_path / "甲镇.csv", [["户主姓名", "身份证号码", "村"], ["甲新户", new_id, "甲村"]]
    )
    call_command(
        "import_roster",
        path,
        "--township",
        scope_world.home.village.township.code,
        "--by",
        "township",
    )
    batch = imported().get()
    assert (batch.created_by, batch.by_system, batch.command_user) == (user, False, os_user())
    assert Household.objects.filter(id_number=new_id, village=scope_world.home.village).exists()
    expected = [("township", user.pk, os_user(), batch.pk)]
    assert events("import_upload") == expected
    assert events("import") == expected


def test_a_named_user_cannot_import_into_an_area_not_wholly_theirs(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = township_roster(tmp_path, scope_world, unique_resident_id())
    county = scope_world.home.village.township.county
    with pytest.raises(CommandError, match="东明县不完全在您的管辖范围内。"):
        call_command("import_roster", path, "--county", county.code, "--by", "township")
    assert not imported().exists()


def test_a_named_user_s_assignment_file_rejects_households_outside_their_area(
    scope_world: ScopeWorld, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    cadre = scope_world.home.cadre
    inside = make_household(village=scope_world.home.village)
    path = write_csv(
        tmp_path / "联系户.csv",
        [
            ["单位", "干部姓名", "户主身份证号"],
            [cadre.unit.name, cadre.name, inside.id_number],
            [cadre.unit.name, cadre.name, scope_world.far.household.id_number],
        ],
    )
    call_command("import_assignments", path, "--by", "liaison")
    output = capsys.readouterr().out
    assert "该户登记在您管辖范围以外的村（社区）。" in output
    batch = imported().get()
    assert (batch.created, batch.rejected, batch.created_by) == (
        1,
        1,
        scope_world.users["liaison"],
    )
    assert events("import")[0][0] == "liaison"


def test_an_unknown_or_unauthorised_user_is_refused(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = township_roster(tmp_path, scope_world, unique_resident_id())
    code = scope_world.home.village.township.code
    with pytest.raises(CommandError, match="没有名为nobody的有效用户。"):
        call_command("import_roster", path, "--township", code, "--by", "nobody")
    with pytest.raises(CommandError, match="no-role无权导入"):
        scope_world.users["no_role"].user_permissions.clear()
        call_command("import_roster", path, "--township", code, "--by", "no-role")
    assert not imported().exists()


def test_without_by_the_system_imports_for_the_city_recorded_with_the_os_user(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    new_id = unique_resident_id()
    path = township_roster(tmp_path, scope_world, new_id)
    county = scope_world.home.village.township.county
    call_command("import_roster", path, "--county", county.code)
    batch = imported().get()
    assert (batch.created_by, batch.by_system, batch.command_user) == (None, True, os_user())
    assert (batch.created, batch.updated) == (1, 1)
    assert Household.objects.get(pk=scope_world.next_door.household.pk).members == 8
    assert events("import_upload") == [(SYSTEM_ACTOR, None, os_user(), batch.pk)]
    assert events("import") == [(SYSTEM_ACTOR, None, os_user(), batch.pk)]


def test_a_dry_run_is_recorded_too(scope_world: ScopeWorld, tmp_path: Path) -> None:
    path = township_roster(tmp_path, scope_world, unique_resident_id())
    county = scope_world.home.village.township.county
    call_command("import_roster", path, "--county", county.code, "--by", "county", "--dry-run")
    batch = imported().get()
    assert events("import_upload") == [
        ("county", scope_world.users["county"].pk, os_user(), batch.pk)
    ]
    assert events("import") == []


def test_the_batch_page_says_the_system_imported_and_who_ran_the_command(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = township_roster(tmp_path, scope_world, unique_resident_id())
    call_command("import_roster", path, "--county", scope_world.home.village.township.county.code)
    client = Client()
    client.force_login(scope_world.users["city"])
    page = client.get(reverse("admin:villages_importbatch_change", args=[imported().get().pk]))
    assert f"上传人: 系统 (命令行，操作系统用户{os_user()})" in page.text
