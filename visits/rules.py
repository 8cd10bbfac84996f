"""Decisions about visits that the project's access rules make.

``shuanglian.access.decisions`` registers them when the project starts, as it does for
``units.rules``, so that this app need not import it. A decision nobody registered refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

Decision = Callable[[Any, models.Model], bool]
decisions: dict[str, Decision] = {}

# Read where the phone was when a visit was recorded: the coordinators over its household.
SEE_LOCATION = "see_visit_location"


def decide(name: str, user: Any, obj: models.Model) -> bool:
    decision = decisions.get(name)
    return decision is not None and decision(user, obj)


def may_see_location(user: Any, visit: models.Model) -> bool:
    """Whether ``user`` may read the location recorded with ``visit``."""
    return decide(SEE_LOCATION, user, visit)
