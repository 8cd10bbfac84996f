"""The six tasks of the campaign (六项任务): what a visit does, printed on boards and cards.

Each is a flag on a visit, named by the field here; the labels are the campaign's wording.
"""

from django.utils.translation import gettext_lazy as _

SIX_TASKS = (
    ("task_policy", _("promote the Party's policies")),
    ("task_voices", _("reflect the people's voices")),
    ("task_difficulties", _("help solve difficulties")),
    ("task_prosperity", _("explore ways to prosperity")),
    ("task_civility", _("foster a civilized new atmosphere")),
    ("task_organization", _("strengthen grassroots organization")),
)
TASK_LABELS = tuple(label for _field, label in SIX_TASKS)
