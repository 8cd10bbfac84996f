"""Amounts of money as people type them: 元 with at most two places, never a float."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

CENT = Decimal("0.01")
# Below the columns' fourteen digits; no project of a village comes near it.
MAXIMUM = Decimal("999999999999.99")


def yuan(value: object) -> str:
    """An amount as the messages write it: 12,345.60."""
    return f"{Decimal(value):,.2f}"


def parse_amount(value: object) -> Decimal:
    """A positive amount in 元 with at most two places; refused with a message otherwise.

    Floats are refused outright: 0.1 + 0.2 is not 0.3 in binary, and money must add up.
    Full-width digits and separators, as Chinese input methods type them, are read.
    """
    if isinstance(value, float | bool):
        raise TypeError("amounts are Decimal or text, never float")
    if isinstance(value, Decimal | int):
        amount = Decimal(value)
    else:
        text = str(value or "").strip()
        text = text.translate(_FULL_WIDTH).replace(",", "").replace("元", "").strip()
        if not text:
            raise ValidationError(gettext("Enter an amount in yuan."), code="amount_missing")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                gettext("%(value)s is not an amount: enter yuan, e.g. 12000 or 12000.50.")
                % {"value": str(value)[:30]},
                code="amount_invalid",
            ) from None
    if not amount.is_finite():
        raise ValidationError(
            gettext("%(value)s is not an amount: enter yuan, e.g. 12000 or 12000.50.")
            % {"value": str(value)[:30]},
            code="amount_invalid",
        )
    if amount != amount.quantize(CENT):
        raise ValidationError(
            gettext("An amount has at most two decimal places (fen)."), code="amount_places"
        )
    if amount <= 0:
        raise ValidationError(gettext("The amount must be more than zero."), code="amount_zero")
    if amount > MAXIMUM:
        raise ValidationError(
            gettext("The amount must be at most %(limit)s yuan.") % {"limit": yuan(MAXIMUM)},
            code="amount_too_large",
        )
    return amount.quantize(CENT)


def check_within(amount: Decimal, limit: Decimal, message: str, code: str) -> None:
    """Refuse ``amount`` above ``limit``; ``message`` names the limit as ``%(limit)s``."""
    if amount > limit:
        raise ValidationError(message % {"limit": yuan(max(limit, Decimal(0)))}, code=code)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
