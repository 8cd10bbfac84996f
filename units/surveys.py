"""村情民意: the yearly village surveys kept by the work groups' members."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from units.models import Cadre, VillageSurvey, WorkGroup
from villages.models import Village

# The campaign began in 2016; surveys cannot be dated before it or in a year to come.
FIRST_YEAR = 2016


def work_group_villages(cadre: Cadre) -> QuerySet:
    """The villages where the cadre leads or belongs to a work group."""
    groups = WorkGroup.objects.filter(village=OuterRef("pk")).filter(
        Q(leader=cadre) | Q(memberships__cadre=cadre)
    )
    return Village.objects.filter(Exists(groups))


def with_survey_of(villages: QuerySet, *, year: int) -> QuerySet:
    """Annotate ``surveyed``: whether the village has its survey for ``year``."""
    return villages.annotate(
        surveyed=Exists(VillageSurvey.objects.filter(village=OuterRef("pk"), year=year))
    )


@transaction.atomic
def save_survey(
    *, village: Village, year: int, cadre: Cadre, answers: dict[str, str]
) -> VillageSurvey:
    """Write the village's survey for the year, creating it the first time."""
    fields = {name: answers.get(name, "") for name in VillageSurvey.ANSWER_FIELDS}
    survey, _created = VillageSurvey.objects.update_or_create(
        village=village, year=year, defaults={**fields, "recorded_by": cadre}
    )
    return survey
