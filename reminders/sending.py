"""Sending the day's digests: each user's claimed before it is sent, so never sent twice.

For every active user with a role who has not muted reminders, the day's ``Delivery`` row is
inserted and committed first; a second run (or a second worker at the same time) meets the
unique user and day and leaves that user alone. Then the digest is sent and the row marked
sent, skipped (nothing to say, or nowhere to send it) or failed, with the time it finished.

A worker that dies after claiming leaves the row claimed without a finish: it is reported
(``Counts.unfinished``), never sent again, so delivery by mail or SMS is at most once. The
in-app backend writes its notification and finishes the row in one transaction, holding the
row: a claimed row then means nothing was written, and the next run delivers it, so in-app
delivery is exactly once.
"""

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reminders.backends import BaseBackend, NoAddress, get_backend
from reminders.digest import digest_for
from reminders.models import Delivery
from shuanglian.models import Role

logger = logging.getLogger(__name__)


@dataclass
class Counts:
    """What one run did: digests sent, skipped and failed; users already claimed by another
    run; and the keys of claims of the day that no run finished."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    taken: int = 0
    unfinished: list[int] = field(default_factory=list)


def recipients(day: datetime.date) -> QuerySet:
    """Active users with a role (a scope, a cadre record, or superuser), not muted, without a
    delivery for ``day`` yet."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | (Q(scope__isnull=False) & ~Q(scope__role=Role.AUDITOR))
            | Q(cadre__isnull=False)
        )
        .exclude(reminder_preference__muted=True)
        .exclude(reminder_deliveries__day=day)
        .order_by("pk")
    )


def claim(*, user: Any, day: datetime.date, backend: BaseBackend) -> Delivery | None:
    """Insert the user's delivery for ``day``; None when another run holds it already."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(user=user, day=day, backend=backend.name[:100])
    except IntegrityError:
        return None


TAKEN = "taken"


def finish(delivery: Delivery, status: str, error: str = "") -> bool:
    """Record how the claimed delivery ended; False when it was finished already (by a run
    that took over an in-app delivery left claimed)."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.CLAIMED).update(
            status=status, finished_at=timezone.now(), error=error[:2000]
        )
    )


def _deliver_in_database(
    *, user: Any, day: datetime.date, backend: BaseBackend, delivery: Delivery
) -> str:
    """Write the digest and finish the delivery in one transaction, holding the delivery's
    row: whoever locks it first while it is still claimed delivers it, once."""
    with transaction.atomic():
        still_claimed = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery.pk, status=Delivery.Status.CLAIMED)
            .exists()
        )
        if not still_claimed:
            return TAKEN
        digest = digest_for(user=user, day=day)
        if digest is None:
            finish(delivery, Delivery.Status.SKIPPED)
            return Delivery.Status.SKIPPED
        backend.send(user=user, day=day, digest=digest)
        finish(delivery, Delivery.Status.SENT)
        return Delivery.Status.SENT


def send_one(*, user: Any, day: datetime.date, backend: BaseBackend, delivery: Delivery) -> str:
    """Send the claimed digest and record how it went; the status it ends with (or
    ``TAKEN`` when another run finished it meanwhile)."""
    try:
        if backend.in_database:
            return _deliver_in_database(user=user, day=day, backend=backend, delivery=delivery)
        digest = digest_for(user=user, day=day)
        if digest is None:
            finish(delivery, Delivery.Status.SKIPPED)
            return Delivery.Status.SKIPPED
        backend.send(user=user, day=day, digest=digest)
        finish(delivery, Delivery.Status.SENT)
    except NoAddress as error:
        return (
            Delivery.Status.SKIPPED
            if finish(delivery, Delivery.Status.SKIPPED, str(error))
            else TAKEN
        )
    except Exception as error:
        # One user's failure (the provider's refusal, a broken record) stops no one else's.
        logger.exception("Reminder to user %s on %s failed", user.pk, day)
        failed = finish(delivery, Delivery.Status.FAILED, str(error) or type(error).__name__)
        return Delivery.Status.FAILED if failed else TAKEN
    return Delivery.Status.SENT


def left_claimed(*, day: datetime.date, backend: BaseBackend) -> QuerySet:
    """Deliveries of ``day`` through this in-database backend left claimed by a run that
    stopped: nothing of them was written, so they may be delivered now, still once."""
    return (
        Delivery.objects.filter(day=day, status=Delivery.Status.CLAIMED, backend=backend.name[:100])
        .exclude(user__reminder_preference__muted=True)
        .select_related("user")
        .order_by("pk")
    )


def send_digests(*, day: datetime.date, backend: BaseBackend | None = None) -> Counts:
    """Send every recipient's digest for ``day`` through ``backend`` (the configured one by
    default), each at most once whatever else runs; through the in-app backend, exactly once,
    taking over the deliveries a stopped run left claimed."""
    backend = backend or get_backend()
    counts = Counts()
    mine: set[int] = set()

    def count(status: str) -> None:
        setattr(counts, status, getattr(counts, status) + 1)

    for user in list(recipients(day)):
        delivery = claim(user=user, day=day, backend=backend)
        if delivery is None:
            counts.taken += 1
            continue
        mine.add(delivery.pk)
        count(send_one(user=user, day=day, backend=backend, delivery=delivery))
    if backend.in_database:
        for delivery in list(left_claimed(day=day, backend=backend).exclude(pk__in=mine)):
            mine.add(delivery.pk)
            count(send_one(user=delivery.user, day=day, backend=backend, delivery=delivery))
    counts.unfinished = [
        pk
        for pk in Delivery.objects.filter(day=day, status=Delivery.Status.CLAIMED)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in mine
    ]
    if counts.unfinished:
        logger.warning(
            "Reminders of %s claimed and not finished (not sent again): deliveries %s",
            day,
            counts.unfinished,
        )
    return counts
