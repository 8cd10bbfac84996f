"""Following up a need: each step changes it, writes one dated note and records progress.

The rules, step by step:

- ``start``: 待办 → 办理中, at any level.
- ``resolve``: 待办 or 办理中 → 已办结, at any level, with what was done and how satisfied the
  household is; the closing date is the step's date.
- ``escalate``: a need the current level cannot solve goes one level up, cadre → unit →
  township → county (村报告、乡处理、县办结), with a reason. The status stays as it was; the new
  level gets its own deadline (``settings.NEED_DEADLINE_DAYS_UNIT``/``_TOWNSHIP``/``_COUNTY``
  days from the escalation). Nothing is above the county.
- ``give_up``: 待办 or 办理中 → 无法解决, with the reason, only once the county handles the
  need: every level below must escalate instead, so that no need is dropped before the
  county has looked at it.
- ``reassign``: an open need moves to another cadre in service, at the same level.
- ``add_note``: a dated note on an open need, without a change of status.

A closed need (已办结, 无法解决) takes no further step. A step may not be dated before the
need was raised nor after today. Every step sets ``progressed_on`` to its date (never moving
it back), which is what "overdue" counts from. Refused steps raise ``ValidationError`` with a
message for the user and a ``code``.
"""

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from units.models import Cadre
from visits.models import Need, NeedNote, Satisfaction


def deadline_days(level: str) -> int:
    """Days the given escalated level has to handle a need."""
    return {
        Need.Level.UNIT: settings.NEED_DEADLINE_DAYS_UNIT,
        Need.Level.TOWNSHIP: settings.NEED_DEADLINE_DAYS_TOWNSHIP,
        Need.Level.COUNTY: settings.NEED_DEADLINE_DAYS_COUNTY,
    }[level]


def _locked(need: Need) -> Need:
    """The need as the database holds it now, locked until the step is written."""
    fresh = Need.objects.select_for_update().get(pk=need.pk)
    for field in (
        "status",
        "level",
        "cadre_id",
        "resolution",
        "closed_on",
        "satisfaction",
        "escalated_on",
        "due_on",
        "progressed_on",
    ):
        setattr(need, field, getattr(fresh, field))
    return need


def _check(need: Need, on: datetime.date) -> None:
    if not need.is_open:
        raise ValidationError(
            gettext("This need is closed and cannot be changed."), code="need_closed"
        )
    if on > timezone.localdate():
        raise ValidationError(gettext("The date cannot be in the future."), code="future_date")
    if on < need.raised_on:
        raise ValidationError(
            gettext("The date cannot be before the need was raised."), code="before_raised"
        )


def _required(text: str, message: str, code: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message, code=code)
    return text


def _check_scope(by: AbstractBaseUser | None, need: Need, *cadres: Cadre) -> None:
    """Refuse a step on a need, or towards a cadre, outside the user's scope."""
    if by is None:
        return
    if not Need.objects.visible_to(by).filter(pk=need.pk).exists() or any(
        not Cadre.objects.visible_to(by).filter(pk=cadre.pk).exists() for cadre in cadres
    ):
        raise PermissionDenied(gettext("This need is outside your area."))


def _record(need: Need, *, by: AbstractBaseUser | None, on: datetime.date, text: str) -> NeedNote:
    _check_scope(by, need)
    need.progressed_on = max(need.progressed_on, on)
    need.save()
    return NeedNote.objects.create(
        need=need,
        noted_on=on,
        author=by if by is not None and by.is_authenticated else None,
        status=need.status,
        level=need.level,
        text=text,
    )


@transaction.atomic
def start(
    *, need: Need, by: AbstractBaseUser | None, on: datetime.date, note: str = ""
) -> NeedNote:
    """Start handling a need that is waiting (待办 → 办理中)."""
    _check(_locked(need), on)
    if need.status != Need.Status.PENDING:
        raise ValidationError(
            gettext("Only a need waiting to be handled can be started."), code="not_pending"
        )
    need.status = Need.Status.IN_PROGRESS
    return _record(need, by=by, on=on, text=note.strip() or gettext("Started handling."))


@transaction.atomic
def resolve(
    *,
    need: Need,
    by: AbstractBaseUser | None,
    on: datetime.date,
    what_was_done: str,
    satisfaction: str,
) -> NeedNote:
    """Close a need as resolved, with what was done and the household's satisfaction."""
    _check(_locked(need), on)
    what_was_done = _required(what_was_done, gettext("Say what was done."), "what_was_done_missing")
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            gettext("Choose how satisfied the household is."), code="satisfaction_missing"
        )
    need.status = Need.Status.RESOLVED
    need.resolution = what_was_done
    need.satisfaction = satisfaction
    need.closed_on = on
    return _record(need, by=by, on=on, text=what_was_done)


@transaction.atomic
def give_up(*, need: Need, by: AbstractBaseUser | None, on: datetime.date, reason: str) -> NeedNote:
    """Close a need the county cannot resolve either (无法解决), with the reason."""
    _check(_locked(need), on)
    if need.level != Need.Level.COUNTY:
        raise ValidationError(
            gettext(
                "Only the county can close a need as cannot be resolved; escalate it level "
                "by level first."
            ),
            code="not_county",
        )
    reason = _required(reason, gettext("Give the reason it cannot be resolved."), "reason_missing")
    need.status = Need.Status.UNRESOLVABLE
    need.resolution = reason
    need.closed_on = on
    return _record(need, by=by, on=on, text=reason)


@transaction.atomic
def escalate(*, need: Need, by: AbstractBaseUser | None, on: datetime.date, note: str) -> NeedNote:
    """Hand a need one level up, with the reason, starting that level's deadline."""
    _check(_locked(need), on)
    level = need.next_level
    if level is None:
        raise ValidationError(
            gettext("The county already handles this need; it cannot go any higher."),
            code="at_top",
        )
    note = _required(note, gettext("Give the reason for escalating."), "reason_missing")
    need.level = level
    need.escalated_on = on
    need.due_on = on + datetime.timedelta(days=deadline_days(level))
    return _record(need, by=by, on=on, text=note)


@transaction.atomic
def reassign(
    *, need: Need, to_cadre: Cadre, by: AbstractBaseUser | None, on: datetime.date, note: str = ""
) -> NeedNote:
    """Make another cadre in service responsible for an open need."""
    _check_scope(by, need, to_cadre)
    _check(_locked(need), on)
    if not to_cadre.in_service:
        raise ValidationError(gettext("Choose a cadre in service."), code="cadre_not_in_service")
    if to_cadre.pk == need.cadre_id:
        raise ValidationError(
            gettext("This cadre is already responsible for the need."), code="same_cadre"
        )
    previous = need.cadre
    need.cadre = to_cadre
    text = gettext("Reassigned from %(from)s to %(to)s.") % {
        "from": previous.name,
        "to": to_cadre.name,
    }
    if note.strip():
        text = f"{text}\n{note.strip()}"
    return _record(need, by=by, on=on, text=text)


@transaction.atomic
def add_note(*, need: Need, by: AbstractBaseUser | None, on: datetime.date, text: str) -> NeedNote:
    """Record what happened on an open need without changing its status."""
    _check(_locked(need), on)
    text = _required(text, gettext("Write what happened."), "note_missing")
    return _record(need, by=by, on=on, text=text)


def cadre_steps(need: Need) -> list[str]:
    """The steps the responsible cadre may take from the phone, in the order shown.

    Escalated needs are handled above the cadre, who can still add notes from the household.
    """
    if not need.is_open:
        return []
    if need.level != Need.Level.CADRE:
        return ["note"]
    steps = ["start"] if need.status == Need.Status.PENDING else []
    return [*steps, "resolve", "escalate", "note"]


def coordinator_steps(need: Need) -> list[str]:
    """The steps a coordinator may take in admin (reassigning has its own page)."""
    if not need.is_open:
        return []
    steps = ["start"] if need.status == Need.Status.PENDING else []
    steps.append("resolve")
    steps.append("give_up" if need.level == Need.Level.COUNTY else "escalate")
    return [*steps, "note"]


def sent_before(client_key: uuid.UUID, *, need: Need) -> NeedNote | None:
    """The note a step sent with ``client_key`` wrote, if it was stored already."""
    note = NeedNote.objects.filter(client_key=client_key).first()
    if note is not None and note.need_id != need.pk:
        raise ValidationError(
            gettext("This form was already used for another need; open the need again."),
            code="key_reused",
        )
    return note


def step_once(
    step: Callable[..., NeedNote],
    *,
    need: Need,
    by: AbstractBaseUser | None,
    client_key: uuid.UUID | None,
    **data: Any,
) -> tuple[NeedNote, bool]:
    """Take ``step`` once per ``client_key``: a step sent again from the phone returns the
    note it wrote the first time; return the note and whether it is new."""
    _check_scope(by, need)
    if client_key is None:
        return step(need=need, by=by, **data), True
    existing = sent_before(client_key, need=need)
    if existing is not None:
        return existing, False
    try:
        # The step and its key together: a twin request that stored the key first undoes
        # this one, whose step then was never taken.
        with transaction.atomic():
            note = step(need=need, by=by, **data)
            note.client_key = client_key
            note.save(update_fields=["client_key"])
    except IntegrityError:
        existing = sent_before(client_key, need=need)
        if existing is None:
            raise
        return existing, False
    return note, True
