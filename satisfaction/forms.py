"""The interviewer's form: reached or not, how, and the answers to the round's questions."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from satisfaction.models import Answer, Attempt, Question

REACHED, NOT_REACHED = "yes", "no"


def answer_field_name(question: Question) -> str:
    return f"question_{question.pk}"


class InterviewForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("Did you reach the household?"),
        choices=[(REACHED, _("Reached")), (NOT_REACHED, _("Not reached"))],
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("How"), choices=Attempt.Method.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("The household's comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Note (for example: no answer, wrong number)"), required=False, max_length=200
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        # One key per form shown: the same form sent again is stored once.
        kwargs["initial"] = {"submission_key": uuid.uuid4(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[answer_field_name(question)] = forms.ChoiceField(
                label=question.text,
                choices=Answer.Choice.choices,
                widget=forms.RadioSelect,
                required=False,
            )

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[answer_field_name(question)] for question in self.questions]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reached") == REACHED:
            for question in self.questions:
                if not data.get(answer_field_name(question)):
                    self.add_error(
                        answer_field_name(question), gettext("Choose the household's answer.")
                    )
        return data

    def answers(self) -> dict[int, str] | None:
        if self.cleaned_data["reached"] != REACHED:
            return None
        return {
            question.pk: self.cleaned_data[answer_field_name(question)]
            for question in self.questions
        }
