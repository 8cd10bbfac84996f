"""Sign-in accounts for cadres: made by coordinators with a one-time password.

The password is returned once, to be shown on the result page; only its hash is stored.
The cadre must choose their own password at the first sign-in, where they are shown when and
by whom it was set. Only whoever keeps the cadre's unit may issue it (``units.rules``).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext

from units.models import Cadre
from units.rules import may_edit_unit, may_issue_login
from units.signals import login_issued

# No 0/O, 1/l/I: the password is read off a screen or a slip of paper and typed on a phone.
PASSWORD_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet, not a password
PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class IssuedLogin:
    cadre: Cadre
    username: str
    password: str


def one_time_password() -> str:
    return get_random_string(PASSWORD_LENGTH, PASSWORD_CHARS)


def check_username(username: str) -> str:
    """The username cleaned, or a ValidationError saying why it cannot be used."""
    username = username.strip()
    if not username:
        raise ValidationError(gettext("Enter a username."), code="required")
    UnicodeUsernameValidator()(username)
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise ValidationError(
            gettext("The username %(username)s is already taken.") % {"username": username},
            code="taken",
        )
    return username


def check_may_issue(*, cadre: Cadre, by: AbstractBaseUser | None) -> None:
    """Refuse issuing ``cadre``'s password to anyone who does not keep the cadre's unit.

    Whoever knows a one-time password can sign in as the cadre; ``by=None`` is the system.
    """
    if by is None or may_issue_login(by, cadre):
        return
    if may_edit_unit(by, cadre.unit):
        raise PermissionDenied(
            gettext(
                "This account also has a coordinator's role; only the account's own page "
                "changes its password."
            )
        )
    raise PermissionDenied(
        gettext(
            "Only the coordinators who keep %(unit)s, or its liaison, may issue the "
            "passwords of its cadres."
        )
        % {"unit": cadre.unit.name}
    )


def _password_set(cadre: Cadre, *, by: AbstractBaseUser | None, fields: list[str]) -> None:
    cadre.password_set_at = timezone.now()
    cadre.password_set_by = by if by is not None and by.pk is not None else None
    cadre.save(update_fields=[*fields, "password_set_at", "password_set_by"])


@transaction.atomic
def create_login(*, cadre: Cadre, username: str, by: AbstractBaseUser | None = None) -> IssuedLogin:
    """Create the cadre's account with a one-time password that must be changed at sign-in."""
    # Locked and read again: two coordinators may press the button at once.
    locked = (
        Cadre.objects.select_for_update()
        .select_related("unit")
        .only("user", "in_service", "unit__name", "unit__level", "unit__county", "unit__township")
        .get(pk=cadre.pk)
    )
    check_may_issue(cadre=locked, by=by)
    if locked.user_id is not None:
        raise ValidationError(gettext("This cadre already has a sign-in account."), code="exists")
    if not locked.in_service:
        raise ValidationError(
            gettext("Cadres no longer in service cannot be given an account."),
            code="not_in_service",
        )
    username = check_username(username)
    password = one_time_password()
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=cadre.name
    )
    cadre.user = user
    cadre.must_change_password = True
    _password_set(cadre, by=by, fields=["user", "must_change_password"])
    login_issued.send(sender=Cadre, cadre=cadre, username=username, created=True, by=by)
    return IssuedLogin(cadre=cadre, username=username, password=password)


@transaction.atomic
def reset_one_time_password(*, cadre: Cadre, by: AbstractBaseUser | None = None) -> IssuedLogin:
    """Give the cadre's account a new one-time password; their open sessions end."""
    locked = (
        Cadre.objects.select_for_update()
        .select_related("unit")
        .only("user", "unit__name", "unit__level", "unit__county", "unit__township")
        .get(pk=cadre.pk)
    )
    user = get_user_model().objects.filter(pk=locked.user_id).first()
    if user is None:
        raise ValidationError(gettext("This cadre has no sign-in account yet."), code="missing")
    check_may_issue(cadre=locked, by=by)
    password = one_time_password()
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    cadre.must_change_password = True
    _password_set(cadre, by=by, fields=["must_change_password"])
    login_issued.send(sender=Cadre, cadre=cadre, username=user.get_username(), created=False, by=by)
    return IssuedLogin(cadre=cadre, username=user.get_username(), password=password)


@transaction.atomic
def create_logins(
    *, cadres: list[Cadre], by: AbstractBaseUser | None = None
) -> tuple[list[IssuedLogin], list[tuple[Cadre, str]]]:
    """Accounts named by phone number for the cadres without one; the others with the reason."""
    issued: list[IssuedLogin] = []
    skipped: list[tuple[Cadre, str]] = []
    for cadre in cadres:
        if cadre.user_id is not None:
            skipped.append((cadre, gettext("already has a sign-in account")))
            continue
        if not cadre.phone:
            skipped.append((cadre, gettext("no phone number to use as the username")))
            continue
        try:
            with transaction.atomic():
                issued.append(create_login(cadre=cadre, username=cadre.phone, by=by))
        except ValidationError as error:
            skipped.append((cadre, " ".join(error.messages)))
        except PermissionDenied as refused:
            skipped.append((cadre, str(refused)))
    return issued, skipped


@transaction.atomic
def password_changed(*, user: AbstractBaseUser) -> None:
    """The user chose their own password: the one-time password no longer needs changing."""
    Cadre.objects.filter(user=user).update(
        must_change_password=False,
        password_set_at=timezone.now(),
        password_set_by=user,
    )
