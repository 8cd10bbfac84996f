"""Admin of the checklists: the city keeps them with their criteria; everyone else reads them.

A checklist is saved with its criteria in one call of ``checklists.save_checklist``, which
refuses to change the points of a checklist villages have scored; ``copy`` starts another year.
"""

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import checklists, rules
from assessments.admin.forms import CopyForm
from assessments.models import Checklist, Criterion
from assessments.scoring import points_text
from projects.admin.forms import ServiceSaveMixin
from projects.admin.steps import Step, StepPagesMixin


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["position", "group", "title", "guidance", "weight", "scoring"]
    extra = 0

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "group" and field is not None:
            # Django translates "group" as an account group's: the criterion's is a category.
            field.label = capfirst(gettext("category"))
        return field

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return rules.may_keep_checklist(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and rules.may_keep_checklist(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and rules.may_keep_checklist(request.user)


CHECKLIST_STEPS = {
    "copy": Step(
        name="copy",
        title=_("Copy to another year"),
        form=CopyForm,
        ready=lambda c: True,
        may=lambda user, c: rules.may_keep_checklist(user),
        run=lambda c, by, data: checklists.copy_checklist(
            from_year=c.year, to_year=data["to_year"], by=by
        ),
        done=lambda c: gettext("The checklist is copied."),
    )
}


@admin.register(Checklist)
class ChecklistAdmin(ServiceSaveMixin, StepPagesMixin, admin.ModelAdmin):
    steps = CHECKLIST_STEPS
    change_form_template = "admin/projects/change_form.html"
    list_display = ["year", "name", "rating_kind", "standard_score", "criteria", "points"]
    fieldsets = [
        (None, {"fields": ["year", "name", "rating_kind", "standard_score"]}),
        (
            _("Stars: the least total for each number of stars; below two, one star"),
            {
                "fields": [
                    "two_stars_from",
                    "three_stars_from",
                    "four_stars_from",
                    "five_stars_from",
                ]
            },
        ),
    ]
    inlines = [CriterionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_criteria=Count("criteria"), n_points=Sum("criteria__weight"))
        )

    @admin.display(description=_("criteria"), ordering="n_criteria")
    def criteria(self, obj: Checklist) -> int:
        return obj.n_criteria

    @admin.display(description=_("points in all"), ordering="n_points")
    def points(self, obj: Checklist) -> str:
        return points_text(obj.n_points) if obj.n_points is not None else "0"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return rules.may_keep_checklist(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and rules.may_keep_checklist(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A checklist is the yardstick of its year's assessments: it is never deleted here.
        return False

    def save_model(self, request: HttpRequest, obj: Checklist, form: Any, change: bool) -> None:
        # Saved with its criteria, in save_related: the service checks them together.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        criteria: list[Criterion] = []
        removed: list[Criterion] = []
        for formset in formsets:
            # What the admin's change message reads, as formset.save() would have left it.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for row in formset.initial_forms:
                if formset.can_delete and formset._should_delete_form(row):
                    removed.append(row.instance)
                    formset.deleted_objects.append(row.instance)
                elif row.has_changed():
                    criteria.append(row.instance)
                    formset.changed_objects.append((row.instance, row.changed_data))
            for row in formset.extra_forms:
                if row.has_changed() and not formset._should_delete_form(row):
                    criteria.append(row.instance)
                    formset.new_objects.append(row.instance)
        self.through_service(
            lambda: checklists.save_checklist(
                checklist=form.instance, criteria=criteria, removed=removed, by=request.user
            )
        )
