"""Pooled funds for a project, step by step: 申报 → 审核 → 批复 → 拨付 → 验收.

- ``apply_for``: the project's keepers ask a pool for an amount, within what the project's
  pooled-funds budget has not yet asked for.
- ``review``: the coordinators over the village pass the application on; ``give_back``
  returns it with the reason, at any step before approval, by them or the city.
- ``approve``: a city coordinator grants it; the pool's row is locked and its ``allocated``
  raised in the same transaction, and the database refuses a pool allocated past its amount,
  so two approvals at the same moment cannot both spend the last of a pool.
- ``disburse``: a city coordinator pays part or all of an approved allocation, with a voucher;
  the allocation's row is locked and the database refuses paying past the amount.
- Acceptance (验收) is the project's (``projects.projects.accept``), which accepts its paid
  allocations with it.

A step out of order or outside the user's area is refused and writes nothing. Every step is
announced to the audit trail with the amount. ``by=None`` is the system (commands, demo data).
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from common.records import acting_user
from projects import rules
from projects.checks import check_sees
from projects.models import GRANTED, Allocation, Disbursement, FundPool, Project
from projects.money import check_within, parse_amount
from projects.signals import announce
from projects.vouchers import prepare_voucher

Status = Allocation.Status
BEFORE_APPROVAL = (Status.APPLIED, Status.REVIEWED)


def _refuse(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(gettext("You may not take this step."))


def _locked(allocation: Allocation) -> Allocation:
    """The allocation as the database holds it now, locked until the step is written (its
    row only: a payment need not hold up the pool's other allocations)."""
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("project", "pool")
        .get(pk=allocation.pk)
    )


def _wrong_step(allocation: Allocation, step: str) -> ValidationError:
    return ValidationError(
        gettext("This allocation is %(status)s; it cannot be %(step)s now.")
        % {"status": allocation.get_status_display(), "step": step},
        code="out_of_order",
    )


def _note(text: str, message: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code=code)
    return text


@transaction.atomic
def apply_for(
    *,
    project: Project,
    pool: FundPool,
    amount: object,
    by: AbstractBaseUser | None,
    purpose: str = "",
) -> Allocation:
    """申报: ask ``pool`` for ``amount`` of the project's pooled-funds budget."""
    check_sees(by, project)
    # Locked so that two applications for one project cannot both take the rest of its budget.
    project = Project.objects.select_for_update().get(pk=project.pk)
    _refuse(by is None or rules.may_keep(by, project.work_group))
    if project.status == Project.Status.ACCEPTED:
        raise ValidationError(
            gettext("This project has been accepted; it takes no new applications."),
            code="project_accepted",
        )
    amount = parse_amount(amount)
    check_within(
        amount,
        project.budget_pooled - project.allocated_total(),
        gettext(
            "The project's budget from the pooled funds leaves %(limit)s yuan to apply for; "
            "raise the budget or lower the amount."
        ),
        "over_budget",
    )
    pool = FundPool.objects.get(pk=pool.pk)
    check_within(
        amount,
        pool.left,
        gettext("The fund pool has %(limit)s yuan left to allocate."),
        "over_pool",
    )
    allocation = Allocation.objects.create(
        pool=pool,
        project=project,
        amount=amount,
        purpose=(purpose or "").strip(),
        applied_by=acting_user(by),
    )
    announce("allocation_apply", allocation, acting_user(by), amount=str(amount), pool=pool.pk)
    return allocation


@transaction.atomic
def review(*, allocation: Allocation, by: AbstractBaseUser | None, note: str = "") -> Allocation:
    """审核: the township (or a coordinator above it) passes an application to the city."""
    check_sees(by, allocation.project)
    allocation = _locked(allocation)
    _refuse(by is None or rules.may_review(by, allocation.project))
    if allocation.status != Status.APPLIED:
        raise _wrong_step(allocation, gettext("reviewed"))
    allocation.status = Status.REVIEWED
    allocation.reviewed_by = acting_user(by)
    allocation.reviewed_at = timezone.now()
    allocation.review_note = (note or "").strip()
    allocation.save()
    announce("allocation_review", allocation, acting_user(by), amount=str(allocation.amount))
    return allocation


@transaction.atomic
def give_back(*, allocation: Allocation, by: AbstractBaseUser | None, reason: str) -> Allocation:
    """Return an application not yet approved, with the reason; its amount is free again."""
    check_sees(by, allocation.project)
    allocation = _locked(allocation)
    _refuse(by is None or rules.may_review(by, allocation.project) or rules.may_approve(by))
    if allocation.status not in BEFORE_APPROVAL:
        raise _wrong_step(allocation, gettext("returned"))
    allocation.return_reason = _note(
        reason, gettext("Give the reason for returning the application."), "reason_missing"
    )
    allocation.status = Status.RETURNED
    allocation.returned_by = acting_user(by)
    allocation.returned_at = timezone.now()
    allocation.save()
    announce("allocation_return", allocation, acting_user(by), amount=str(allocation.amount))
    return allocation


@transaction.atomic
def approve(*, allocation: Allocation, by: AbstractBaseUser | None) -> Allocation:
    """批复: a city coordinator grants a reviewed application from its pool."""
    check_sees(by, allocation.project)
    _refuse(by is None or rules.may_approve(by))
    allocation = _locked(allocation)
    if allocation.status != Status.REVIEWED:
        raise _wrong_step(allocation, gettext("approved"))
    # The pool's row is locked until commit: a second approval waits here and then sees what
    # this one allocated.
    pool = FundPool.objects.select_for_update().get(pk=allocation.pool_id)
    check_within(
        allocation.amount,
        pool.left,
        gettext(
            "The fund pool has %(limit)s yuan left to allocate; return the application "
            "or approve it from another pool."
        ),
        "over_pool",
    )
    FundPool.objects.filter(pk=pool.pk).update(allocated=F("allocated") + allocation.amount)
    allocation.status = Status.APPROVED
    allocation.approved_by = acting_user(by)
    allocation.approved_at = timezone.now()
    allocation.save()
    announce(
        "allocation_approve",
        allocation,
        acting_user(by),
        amount=str(allocation.amount),
        pool=pool.pk,
    )
    return allocation


@transaction.atomic
def disburse(
    *,
    allocation: Allocation,
    amount: object,
    voucher: UploadedFile,
    by: AbstractBaseUser | None,
    paid_on: datetime.date | None = None,
) -> Disbursement:
    """拨付: pay part or all of an approved allocation, with the voucher of the payment."""
    check_sees(by, allocation.project)
    _refuse(by is None or rules.may_approve(by))
    allocation = _locked(allocation)
    if allocation.status not in GRANTED:
        raise _wrong_step(allocation, gettext("paid"))
    amount = parse_amount(amount)
    check_within(
        amount,
        allocation.unpaid,
        gettext("The allocation has %(limit)s yuan left to pay."),
        "over_allocation",
    )
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        raise ValidationError(gettext("The date cannot be in the future."), code="future_date")
    if paid_on < timezone.localdate(allocation.approved_at):
        raise ValidationError(
            gettext("A payment cannot be dated before the allocation was approved."),
            code="before_approval",
        )
    stored = prepare_voucher(voucher)
    disbursement = Disbursement(
        allocation=allocation,
        amount=amount,
        paid_on=paid_on,
        voucher_name=(getattr(voucher, "name", "") or "")[:200],
        recorded_by=acting_user(by),
    )
    disbursement.voucher.save(stored.name, stored, save=False)
    disbursement.save()
    Allocation.objects.filter(pk=allocation.pk).update(paid=F("paid") + amount)
    allocation.refresh_from_db(fields=["paid"])
    if allocation.status == Status.APPROVED:
        allocation.status = Status.DISBURSED
        allocation.save(update_fields=["status"])
    announce(
        "disbursement",
        disbursement,
        acting_user(by),
        amount=str(amount),
        allocation=allocation.pk,
        paid=str(allocation.paid),
        voucher=disbursement.voucher.name,
    )
    return disbursement
