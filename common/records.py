"""What every app's step-by-step records share: who took a step, and the year they belong to."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone


def this_year() -> int:
    return timezone.localdate().year


def actor_field(verbose_name: str) -> models.ForeignKey:
    """Who took a step; kept as a name in the audit trail if the account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        db_index=False,
    )


def acting_user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    """The user to record as having acted; None for the system (and an anonymous caller)."""
    return by if by is not None and by.is_authenticated else None
