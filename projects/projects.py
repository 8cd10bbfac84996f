"""A project's life: kept by its work group's unit, started, completed, accepted by the township.

- ``save_project``: add or change a project of a work group the user keeps; the pooled-funds
  budget cannot drop below what has been applied for.
- ``start`` (计划 → 实施中) and ``complete`` (实施中 → 已完工), with the dates.
- ``accept`` (已完工 → 已验收): the coordinators over the village, once every application has
  been approved and paid or returned; the paid allocations are accepted with it.
- ``add_note``: a dated progress note, with a checked photo.
- ``resolve_need``: a household's need closed by the project, written into the need's history.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.records import acting_user
from projects import rules
from projects.checks import check_keeps, check_sees
from projects.models import ZERO, Allocation, Project, ProjectNeed, ProjectNote
from projects.money import yuan
from projects.signals import announce
from units.photos import prepare_photo
from villages.models import Household
from visits import needs as need_steps
from visits.models import Need

Status = Project.Status


def _check_date(on: datetime.date, after: datetime.date | None, message: str) -> None:
    if on > timezone.localdate():
        raise ValidationError(gettext("The date cannot be in the future."), code="future_date")
    if after is not None and on < after:
        raise ValidationError(message, code="date_order")


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().select_related("work_group").get(pk=project.pk)


@transaction.atomic
def save_project(
    *,
    project: Project,
    by: AbstractBaseUser | None,
    beneficiaries: Iterable[Household] | None = None,
) -> Project:
    """Add or change ``project`` (its fields as the form set them) and, if given, its linked
    beneficiary households, which must live in the project's village."""
    check_keeps(by, project.work_group)
    if project.pk is not None:
        stored = _locked(project)
        check_sees(by, stored)
        if stored.work_group_id != project.work_group_id:
            check_keeps(by, stored.work_group)
        if stored.status == Status.ACCEPTED:
            raise ValidationError(
                gettext("An accepted project cannot be changed."), code="project_accepted"
            )
        applied = stored.allocated_total()
        if project.budget_pooled < applied:
            raise ValidationError(
                gettext(
                    "%(limit)s yuan of pooled funds have been applied for: the budget from "
                    "the pooled funds cannot be lower."
                )
                % {"limit": yuan(applied)},
                code="budget_below_applied",
            )
        project.status = stored.status
    else:
        project.created_by = acting_user(by)
    project.full_clean(exclude=["beneficiaries", "unit", "village"])
    project.save()
    if beneficiaries is not None:
        households = list(beneficiaries)
        if any(household.village_id != project.village_id for household in households):
            raise ValidationError(
                gettext("Beneficiary households must live in the project's village."),
                code="beneficiary_elsewhere",
            )
        project.beneficiaries.set(households)
        if project.beneficiary_count < len(households):
            project.beneficiary_count = len(households)
            project.save(update_fields=["beneficiary_count"])
    return project


@transaction.atomic
def start(*, project: Project, by: AbstractBaseUser | None, on: datetime.date) -> Project:
    """计划 → 实施中, on the day work began."""
    check_sees(by, project)
    project = _locked(project)
    check_keeps(by, project.work_group)
    if project.status != Status.PLANNED:
        raise ValidationError(
            gettext("Only a planned project can be started."), code="out_of_order"
        )
    _check_date(on, None, "")
    project.status = Status.UNDERWAY
    project.actual_start = on
    project.save()
    return project


@transaction.atomic
def complete(*, project: Project, by: AbstractBaseUser | None, on: datetime.date) -> Project:
    """实施中 → 已完工, on the day the work was finished."""
    check_sees(by, project)
    project = _locked(project)
    check_keeps(by, project.work_group)
    if project.status != Status.UNDERWAY:
        raise ValidationError(
            gettext("Only a project underway can be completed."), code="out_of_order"
        )
    _check_date(on, project.actual_start, gettext("The project cannot end before it started."))
    project.status = Status.COMPLETED
    project.actual_end = on
    project.save()
    return project


@transaction.atomic
def accept(*, project: Project, by: AbstractBaseUser | None, note: str) -> Project:
    """验收: the township accepts a completed project, and with it its paid allocations."""
    check_sees(by, project)
    project = _locked(project)
    if by is not None and not rules.may_review(by, project):
        raise PermissionDenied(gettext("You may not take this step."))
    if project.status != Status.COMPLETED:
        raise ValidationError(
            gettext("Only a completed project can be accepted."), code="out_of_order"
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError(gettext("Give the acceptance opinion."), code="note_missing")
    allocations = list(Allocation.objects.select_for_update().filter(project=project))
    unfinished = (Allocation.Status.APPLIED, Allocation.Status.REVIEWED, Allocation.Status.APPROVED)
    waiting = [a for a in allocations if a.status in unfinished]
    if waiting:
        raise ValidationError(
            gettext(
                "%(count)s application(s) for pooled funds are still waiting for review, "
                "approval or payment; finish or return them first."
            )
            % {"count": len(waiting)},
            code="allocations_waiting",
        )
    now = timezone.now()
    for allocation in allocations:
        if allocation.status == Allocation.Status.DISBURSED:
            allocation.status = Allocation.Status.ACCEPTED
            allocation.accepted_by, allocation.accepted_at = acting_user(by), now
            allocation.save(update_fields=["status", "accepted_by", "accepted_at"])
    project.status = Status.ACCEPTED
    project.accepted_by, project.accepted_at, project.acceptance_note = acting_user(by), now, note
    project.save()
    announce(
        "project_accept",
        project,
        acting_user(by),
        paid=str(sum((a.paid for a in allocations), start=ZERO)),
    )
    return project


@transaction.atomic
def add_note(
    *,
    project: Project,
    by: AbstractBaseUser | None,
    text: str,
    on: datetime.date | None = None,
    photo: UploadedFile | None = None,
) -> ProjectNote:
    """A dated progress note on a project not yet accepted, with a checked photo if given."""
    check_sees(by, project)
    project = _locked(project)
    check_keeps(by, project.work_group)
    if project.status == Status.ACCEPTED:
        raise ValidationError(
            gettext("An accepted project cannot be changed."), code="project_accepted"
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError(gettext("Write what happened."), code="note_missing")
    on = on or timezone.localdate()
    _check_date(on, None, "")
    note = ProjectNote(project=project, noted_on=on, text=text, author=acting_user(by))
    if photo:
        stored = prepare_photo(photo, box=(1600, 1600))
        note.photo.save(stored.name, stored, save=False)
    note.save()
    return note


@transaction.atomic
def resolve_need(
    *,
    project: Project,
    need: Need,
    by: AbstractBaseUser | None,
    satisfaction: str,
    on: datetime.date | None = None,
) -> ProjectNeed:
    """Close a household's open need as resolved by ``project``, in the need's own history."""
    check_sees(by, project)
    check_keeps(by, project.work_group)
    if need.household.village_id != project.village_id:
        raise ValidationError(
            gettext("The need's household does not live in the project's village."),
            code="need_elsewhere",
        )
    text = gettext("Resolved by the project “%(title)s” of %(unit)s.") % {
        "title": project.title,
        "unit": project.unit.name,
    }
    need_steps.resolve(
        need=need,
        by=by,
        on=on or timezone.localdate(),
        what_was_done=text,
        satisfaction=satisfaction,
    )
    return ProjectNeed.objects.create(project=project, need=need)
