"""Who may run a survey round, decided by the project's access rules.

``shuanglian.access.decisions`` registers the decisions when the project starts. A decision
nobody registered refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

Decision = Callable[[Any, models.Model | None], bool]
decisions: dict[str, Decision] = {}

# Open, draw, staff and close a round over an area (None: the city): the coordinators whose
# own area holds it.
RUN_ROUND = "run_round"


def decide(name: str, user: Any, obj: models.Model | None) -> bool:
    decision = decisions.get(name)
    return decision is not None and decision(user, obj)


def may_run(user: Any, area: models.Model | None) -> bool:
    """Whether ``user`` may open and run a round over ``area`` (a county or township; None:
    the whole city)."""
    return decide(RUN_ROUND, user, area)
