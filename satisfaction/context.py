"""Whether the signed-in cadre has households to interview, for the cadre pages' link."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from satisfaction.models import Round, Sample


def interviews(request: HttpRequest) -> dict[str, Any]:
    """``interviews_waiting``: counted only when a page asks for it."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return (
            Sample.objects.filter(
                interviewer__user=user,
                status=Sample.Status.PENDING,
                round__status=Round.Status.OPEN,
            )
            .order_by()
            .count()
        )

    return {"interviews_waiting": SimpleLazyObject(count)}
