"""Password rules beyond Django's own, and how old a password may grow before it must change."""

import datetime
import string
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLength
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext

from shuanglian.models import UserScope

CHARACTER_CLASSES = (
    frozenset(string.ascii_lowercase),
    frozenset(string.ascii_uppercase),
    frozenset(string.digits),
)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password uses."""
    used = sum(1 for chars in CHARACTER_CLASSES if any(c in chars for c in password))
    others = any(not any(c in chars for chars in CHARACTER_CLASSES) for c in password)
    return used + others


class MinimumLengthValidator(DjangoMinimumLength):
    """Django's rule, with a message its Chinese catalogue translates (Django's own is not)."""

    def get_error_message(self) -> str:
        return gettext(
            "This password is too short. It must contain at least %(min_length)s characters."
        ) % {"min_length": self.min_length}


class CharacterClassesValidator:
    """At least three of four kinds of characters: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                gettext(
                    "The password must use at least %(count)s of these: lower-case letters, "
                    "upper-case letters, digits and symbols."
                ),
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self) -> str:
        return gettext(
            "Use at least %(count)s of these: lower-case letters, upper-case letters, digits "
            "and symbols."
        ) % {"count": self.min_classes}


def _note_new_password(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    """Before a user is saved: whether the stored password is about to change."""
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        instance._password_is_new = False
        return
    stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("password")
    instance._password_is_new = stored.first() != (instance.password,)


def _stamp_new_password(sender: Any, instance: AbstractBaseUser, **kwargs: Any) -> None:
    """After it is saved: a new password starts its age."""
    if getattr(instance, "_password_is_new", False):
        record_password_change(user=instance)
        instance._password_is_new = False


def record_password_change(*, user: AbstractBaseUser) -> None:
    """Restart the user's password age; kept only for users with a role and scope."""
    UserScope.objects.filter(user=user).update(password_changed_at=timezone.now())


def connect_receivers() -> None:
    """Date every new password where it is saved, whichever form, command or service set it."""
    user_model = get_user_model()
    pre_save.connect(_note_new_password, sender=user_model, dispatch_uid="password_noted")
    post_save.connect(_stamp_new_password, sender=user_model, dispatch_uid="password_stamped")


def password_expired(*, user: AbstractBaseUser) -> bool:
    """Whether the password is older than PASSWORD_MAX_AGE_DAYS (0 turns the rule off).

    The age is known only for users with a role and scope; a scope whose password was set
    before the age was recorded counts from the day the account was made.
    """
    if not settings.PASSWORD_MAX_AGE_DAYS:
        return False
    scope = (
        UserScope.objects.filter(user=user)
        .values_list("password_changed_at", "user__date_joined")
        .first()
    )
    if scope is None:
        return False
    changed_at = scope[0] or scope[1]
    return timezone.now() - changed_at > datetime.timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
