"""Spreadsheet columns for the geography and for households (django-import-export).

Column headers are the models' verbose names, so they follow the interface language.
Records are matched by natural keys, never database ids: areas by their 12-digit code,
parents by their code, so a file made on one installation imports into another.
Every import row goes through the model's validation, like the admin form, and an import
writes nothing unless every row is valid.
"""

import unicodedata
from typing import Any

import tablib
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    MultipleObjectsReturned,
    ValidationError,
)
from django.db import models
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader, ModelInstanceLoader
from import_export.results import Result

from villages.models import City, County, Household, Township, Village
from villages.validators import mask_phone, mask_resident_id, normalize_phone


def label(model: type[models.Model], field_name: str) -> Promise | str:
    """The column header of a model field: its (translated) verbose name."""
    return model._meta.get_field(field_name).verbose_name


def cell_text(value: object) -> str:
    """A cell as text: full-width forms folded, outer space dropped, ``12.0`` read as ``12``.

    Excel stores a typed code or phone number as a number, and may give it back as a float.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


class TextWidget(widgets.CharWidget):
    """Text with the space around it dropped."""

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> str:
        return cell_text(value)


class CodeWidget(widgets.CharWidget):
    """A 12-digit area code; Excel may have made it a number, or spaced it out."""

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> str:
        return "".join(cell_text(value).split())


class PhoneWidget(widgets.CharWidget):
    """A phone number, normalized as the admin form does (``+86 138-0013-8000``)."""

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> str:
        text = cell_text(value)
        if not text:
            return ""
        try:
            return normalize_phone(text)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None


class ChoiceWidget(widgets.Widget):
    """A choice written as its label; the label or the stored value is accepted back.

    Anything else is kept as it is, so the model's validation names the bad value.
    """

    def __init__(self, choices: type[models.Choices], **kwargs: Any) -> None:
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> str:
        text = cell_text(value)
        for member in self.choices:
            if text in (member.value, cell_text(member.label)):
                return member.value
        return text

    def render(self, value: object, obj: Any = None, **kwargs: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            return str(self.choices(value).label)
        except ValueError:
            return str(value)


class NaturalKeyWidget(widgets.CachedForeignKeyWidget):
    """A related record named by a unique field (a code, a unit's name), not by its id.

    The related table is read once per import. A key that matches nothing is a row error
    that names the key, shown in the preview like any validation error.
    """

    def __init__(self, model: type[models.Model], field: str, **kwargs: Any) -> None:
        super().__init__(model, field=field, **kwargs)

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> models.Model | None:
        key = "".join(cell_text(value).split()) if self.field == "code" else cell_text(value)
        if not key:
            return None
        try:
            return super().clean(key, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                gettext("No %(model)s has %(field)s “%(value)s”.")
                % {
                    "model": self.model._meta.verbose_name,
                    "field": label(self.model, self.field),
                    "value": key,
                }
            ) from None


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds a row's record by several columns (``import_id_fields``), one query a row.

    A key that cannot be read (an unknown unit, a malformed phone) means "new": the row then
    fails validation with the reason instead of failing with a traceback.
    """

    def get_instance(self, row: dict[str, Any]) -> models.Model | None:
        try:
            lookup = {
                self.resource.fields[name].attribute: self.resource.fields[name].clean(row)
                for name in self.resource.get_import_id_fields()
            }
        except ValueError:
            return None
        model = self.resource._meta.model
        try:
            return self.get_queryset().get(**lookup)
        except model.DoesNotExist:
            return None
        except MultipleObjectsReturned:
            raise ValidationError(
                gettext(
                    "More than one %(model)s matches this row; correct them in the admin first."
                )
                % {"model": model._meta.verbose_name}
            ) from None


class SpreadsheetResource(resources.ModelResource):
    """What every resource here shares: validated, all-or-nothing, re-importable imports.

    Unchanged rows are reported as skipped, so re-importing an export changes nothing.
    """

    # Loaded with each record, so exporting and comparing take no query per row.
    related: tuple[str, ...] = ()

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = CachedInstanceLoader

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related(*self.related)

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet:
        return queryset.select_related(*self.related)

    def after_export(self, queryset: QuerySet, dataset: tablib.Dataset, **kwargs: Any) -> None:
        dataset.title = str(self._meta.model._meta.verbose_name_plural)

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = True,
        **kwargs: Any,
    ) -> Result:
        """As django-import-export's, but one invalid row rolls back the whole file."""
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )

    def validate_instance(
        self,
        instance: models.Model,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """Validate as the model does; errors are labelled with the file's column headers."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            raise ValidationError(
                {self._column_of(name): errors for name, errors in error.error_dict.items()}
            ) from None

    def _column_of(self, name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return name
        for field in self.fields.values():
            if field.attribute == name:
                return str(field.column_name)
        try:
            return str(label(self._meta.model, name))
        except FieldDoesNotExist:
            return name


class CountyResource(SpreadsheetResource):
    """Counties and districts, by code; the city is named by its code."""

    code = Field("code", label(County, "code"), CodeWidget())
    name = Field("name", label(County, "name"), TextWidget())
    city = Field("city", label(County, "city"), NaturalKeyWidget(City, "code"))
    related = ("city",)

    class Meta:
        model = County
        fields = ("code", "name", "city")
        import_id_fields = ["code"]
        name = County._meta.verbose_name_plural


class TownshipResource(SpreadsheetResource):
    """Townships and subdistricts, by code; the county is named by its code."""

    code = Field("code", label(Township, "code"), CodeWidget())
    name = Field("name", label(Township, "name"), TextWidget())
    county = Field("county", label(Township, "county"), NaturalKeyWidget(County, "code"))
    related = ("county",)

    class Meta:
        model = Township
        fields = ("code", "name", "county")
        import_id_fields = ["code"]
        name = Township._meta.verbose_name_plural


class VillageResource(SpreadsheetResource):
    """Villages and communities, by code; the township is named by its code."""

    code = Field("code", label(Village, "code"), CodeWidget())
    name = Field("name", label(Village, "name"), TextWidget())
    township = Field("township", label(Village, "township"), NaturalKeyWidget(Township, "code"))
    kind = Field(
        "kind", label(Village, "kind"), ChoiceWidget(Village.Kind), default=Village.Kind.VILLAGE
    )
    related = ("township",)

    class Meta:
        model = Village
        fields = ("code", "name", "township", "kind")
        import_id_fields = ["code"]
        name = Village._meta.verbose_name_plural


class HouseholdResource(SpreadsheetResource):
    """Households, for export only (rosters are imported by ``villages.imports``).

    Resident ID and phone numbers are masked unless ``reveal_personal_data=True``, which
    only a role that needs them may pass.
    """

    village = Field("village__name", label(Household, "village"), readonly=True)
    township = Field("village__township__name", label(Village, "township"), readonly=True)
    head_name = Field("head_name", label(Household, "head_name"), readonly=True)
    id_number = Field("id_number", label(Household, "id_number"), readonly=True)
    phone = Field("phone", label(Household, "phone"), readonly=True)
    members = Field(
        "members",
        label(Household, "members"),
        widgets.IntegerWidget(coerce_to_string=False),
        readonly=True,
    )
    category = Field(
        "category", label(Household, "category"), ChoiceWidget(Household.Category), readonly=True
    )
    address = Field("address", label(Household, "address"), readonly=True)
    related = ("village__township",)

    class Meta:
        model = Household
        fields = (
            "village",
            "township",
            "head_name",
            "id_number",
            "phone",
            "members",
            "category",
            "address",
        )
        name = Household._meta.verbose_name_plural

    def __init__(self, *, reveal_personal_data: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reveal_personal_data = reveal_personal_data

    def dehydrate_id_number(self, household: Household) -> str:
        if self.reveal_personal_data:
            return household.id_number
        return mask_resident_id(household.id_number)

    def dehydrate_phone(self, household: Household) -> str:
        if self.reveal_personal_data:
            return household.phone
        return mask_phone(household.phone)
