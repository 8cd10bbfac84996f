"""Previews expire, and a dry run leaves nothing that anyone can confirm later."""

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_import_batch, make_village, unique_resident_id
from villages.imports import batches
from villages.models import Household, ImportBatch

pytestmark = pytest.mark.django_db

EXPIRED_MESSAGE = "此预览已过期：检查已超过24小时，未导入任何数据。请重新上传文件再导入。"


def age(batch: ImportBatch, *, hours: float) -> None:
    """Move the batch's upload back in time instead of waiting."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def confirm(client: Client, batch: ImportBatch) -> str:
    url = reverse("admin:villages_importbatch_confirm", args=[batch.pk])
    return client.post(url, follow=True).text


def test_a_preview_older_than_the_preview_time_is_shown_expired_and_refused(
    superuser_client: Client,
) -> None:
    before = Household.objects.count()
    batch = make_import_batch()
    age(batch, hours=25)
    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "已过期" in page.text
    assert EXPIRED_MESSAGE in page.text
    assert 'id="roster-confirm"' not in page.text

    after = confirm(superuser_client, batch)
    assert EXPIRED_MESSAGE in after
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.EXPIRED
    assert Household.objects.count() == before


def test_confirming_a_stale_preview_directly_is_refused_too(superuser_client: Client) -> None:
    before = Household.objects.count()
    batch = make_import_batch()
    age(batch, hours=25)
    # The page was opened before the preview ran out: the confirm itself must refuse it.
    after = confirm(superuser_client, batch)
    assert EXPIRED_MESSAGE in after
    with pytest.raises(ValueError, match="not previewed"):
        batches.confirm_batch(ImportBatch.objects.get(pk=batch.pk))
    assert Household.objects.count() == before


def test_the_import_list_shows_stale_previews_as_expired(superuser_client: Client) -> None:
    stale, fresh = make_import_batch(), make_import_batch()
    age(stale, hours=25)
    page = superuser_client.get(reverse("admin:villages_importbatch_changelist"))
    assert page.text.count('<td class="field-status">已过期</td>') == 1
    assert page.text.count('<td class="field-status">已检查，待确认</td>') == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("expired", "previewed")


def test_the_preview_time_is_a_setting(superuser_client: Client, settings: object) -> None:
    settings.IMPORT_PREVIEW_HOURS = 2
    before = Household.objects.count()
    kept, stale = make_import_batch(), make_import_batch()
    age(kept, hours=1.5)
    age(stale, hours=2.5)
    assert batches.expire_previews() == 1
    assert "检查已超过2小时" in confirm(superuser_client, stale)
    confirm(superuser_client, kept)
    kept.refresh_from_db()
    assert kept.status == ImportBatch.Status.DONE
    assert Household.objects.count() == before + 1


def test_a_fresh_preview_says_until_when_it_can_be_confirmed(superuser_client: Client) -> None:
    batch = make_import_batch()
    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    until = timezone.localtime(batch.created_at + datetime.timedelta(hours=24))
    assert f"此预览可在{until:%Y-%m-%d %H:%M}前确认。" in page.text


def test_an_interrupted_import_expires_like_a_preview() -> None:
    batch = make_import_batch()
    ImportBatch.objects.filter(pk=batch.pk).update(status="failed", interrupted=True)
    age(batch, hours=25)
    assert batches.expire_previews() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.interrupted) == ("expired", False)
    assert not batches.claim_for_import(batch)


def test_a_dry_run_leaves_a_batch_that_cannot_be_confirmed(
    superuser_client: Client, tmp_path: Path
) -> None:
    before = Household.objects.count()
    village = make_village()
    path = tmp_path / "花名册.csv"
    path.write_text(f"户主姓名,身份证号码\n王建国,{unique_resident_id()}\n", encoding="utf-8")
    call_command("import_roster", str(path), "--village", village.code, "--dry-run")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created) == ("dry_run", 1)
    assert not batches.claim_for_import(batch)

    page = superuser_client.get(reverse("admin:villages_importbatch_change", args=[batch.pk]))
    assert "试运行，不可导入" in page.text
    assert "命令行试运行：只做了检查，未写入任何数据，也不能确认导入。" in page.text
    assert 'id="roster-confirm"' not in page.text
    assert "此次导入已确认，或当前状态无法确认。" in confirm(superuser_client, batch)
    assert Household.objects.count() == before
