"""Forms of the assessments admin: one small form per step, which the step's service checks."""

from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Criterion, CriterionScore, EvidenceFile, this_year
from assessments.scoring import points_text
from projects.admin.forms import StepForm


def _text_field(label: str, *, required: bool = False, rows: int = 4) -> forms.CharField:
    # Left optional where the service asks for the text itself, with its own message.
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows, "cols": 60})
    )


def criterion_rows(assessment: Assessment) -> list[CriterionScore]:
    """The assessment's scores in the checklist's order, with their criteria."""
    return list(
        CriterionScore.objects.filter(assessment=assessment)
        .select_related("criterion")
        .order_by("criterion__position", "criterion_id")
    )


def scores_of(data: dict[str, Any]) -> dict[int, tuple[str, str]]:
    """The points and text per criterion key that a ``ScoresForm`` was filled with."""
    return {
        int(name.removeprefix("points_")): (value, data[name.replace("points_", "text_", 1)])
        for name, value in data.items()
        if name.startswith("points_")
    }


class ScoresForm(StepForm):
    """Points and a text for every criterion of the assessment, in the checklist's order."""

    text_label = _("evidence")

    def initial_for(self, row: CriterionScore) -> tuple[Any, str]:
        return row.self_score, row.evidence

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = criterion_rows(self.obj)
        for number, row in enumerate(self.rows, start=1):
            criterion = row.criterion
            points, text = self.initial_for(row)
            self.fields[f"points_{criterion.pk}"] = forms.CharField(
                label=f"{number}. {criterion.title}",
                required=False,
                max_length=10,
                initial=points_text(points) if points is not None else "",
                help_text=gettext("%(group)s; %(scoring)s; %(weight)s points. %(guidance)s")
                % {
                    "group": criterion.get_group_display(),
                    "scoring": criterion.get_scoring_display(),
                    "weight": points_text(criterion.weight),
                    "guidance": criterion.guidance,
                },
            )
            field = _text_field(str(self.text_label), rows=2)
            field.initial = text
            self.fields[f"text_{criterion.pk}"] = field


class ReviewScoresForm(ScoresForm):
    text_label = _("township's comment")

    def initial_for(self, row: CriterionScore) -> tuple[Any, str]:
        # The village's own points are where a reviewer starts.
        points = row.review_score if row.review_score is not None else row.self_score
        return points, row.review_comment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"] = _text_field(gettext("township's opinion"))


class EvidenceForm(StepForm):
    score = forms.ModelChoiceField(label=_("criterion"), queryset=CriterionScore.objects.none())
    upload = forms.FileField(
        label=_("file"),
        help_text=_("A photo, a PDF, or a Word, Excel or PowerPoint file; at most 10 MB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["score"]
        field.queryset = (
            CriterionScore.objects.filter(assessment=self.obj)
            .select_related("criterion")
            .order_by("criterion__position", "criterion_id")
        )
        field.label_from_instance = lambda row: row.criterion.title


class RemoveEvidenceForm(StepForm):
    evidence = forms.ModelChoiceField(label=_("file"), queryset=EvidenceFile.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["evidence"]
        field.queryset = (
            EvidenceFile.objects.filter(score__assessment=self.obj)
            .select_related("score__criterion")
            .order_by("score__criterion__position", "pk")
        )
        field.label_from_instance = lambda f: f"{f.score.criterion.title}: {f.name}"


class ReturnForm(StepForm):
    comment = _text_field(_("what is to be changed"))


class ApproveForm(StepForm):
    comment = _text_field(_("county's opinion"))


class SendBackForm(StepForm):
    comment = _text_field(_("why the review is sent back"))


class ItemForm(StepForm):
    task = _text_field(_("what is to be put right"))
    criterion = forms.ModelChoiceField(
        label=_("criterion"), required=False, queryset=Criterion.objects.none()
    )
    responsible = forms.CharField(label=_("responsible"), max_length=50, required=False)
    deadline = forms.DateField(label=_("deadline"), widget=AdminDateWidget)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = self.obj.checklist.criteria.all()


class NoteForm(StepForm):
    text = _text_field(_("progress"))
    photo = forms.FileField(
        label=_("photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class DoneForm(StepForm):
    text = _text_field(_("what was done"))


class ReopenForm(StepForm):
    reason = _text_field(_("why it is reopened"))


class CopyForm(StepForm):
    to_year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_year"].initial = self.obj.year + 1


class StartForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, initial=this_year)
