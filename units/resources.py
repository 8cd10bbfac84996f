"""Spreadsheet columns for units and cadres (django-import-export); see villages.resources."""

from typing import Any

from django.utils.translation import gettext
from import_export import widgets
from import_export.fields import Field

from units.models import Cadre, Unit
from villages.models import County, Township
from villages.resources import (
    ChoiceWidget,
    NaturalKeyInstanceLoader,
    NaturalKeyWidget,
    PhoneWidget,
    SpreadsheetResource,
    TextWidget,
    cell_text,
    label,
)


class YesNoWidget(widgets.BooleanWidget):
    """是 / 否 in the file; 1 / 0, true / false and yes / no are read as well."""

    TRUE_TEXTS = frozenset({"1", "true", "yes", "y", "是", "√", "✓"})
    FALSE_TEXTS = frozenset({"0", "false", "no", "n", "否", "×", "✗"})

    def clean(self, value: object, row: Any = None, **kwargs: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if not text:
            return None
        if text in self.TRUE_TEXTS or text == gettext("Yes").lower():
            return True
        if text in self.FALSE_TEXTS or text == gettext("No").lower():
            return False
        raise ValueError(gettext("Enter yes or no."))

    def render(self, value: object, obj: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        return gettext("Yes") if value else gettext("No")


class UnitResource(SpreadsheetResource):
    """Units, by name (unique); kind and level as their labels; county and township by code."""

    name = Field("name", label(Unit, "name"), TextWidget())
    kind = Field("kind", label(Unit, "kind"), ChoiceWidget(Unit.Kind))
    level = Field("level", label(Unit, "level"), ChoiceWidget(Unit.Level), default=Unit.Level.CITY)
    county = Field("county", label(Unit, "county"), NaturalKeyWidget(County, "code"))
    township = Field("township", label(Unit, "township"), NaturalKeyWidget(Township, "code"))
    related = ("county", "township")

    class Meta:
        model = Unit
        fields = ("name", "kind", "level", "county", "township")
        import_id_fields = ["name"]
        name = Unit._meta.verbose_name_plural


class CadreResource(SpreadsheetResource):
    """Cadres; the unit is named by its name.

    Cadres have no unique natural key, so a row updates the cadre of the same unit, name and
    phone, and otherwise adds a cadre: a changed phone number therefore comes in as a new
    cadre (change phones in the admin). Two cadres of one unit with the same name and phone
    cannot be told apart; such a row is refused. The login account is never imported or
    exported.
    """

    unit = Field("unit", label(Cadre, "unit"), NaturalKeyWidget(Unit, "name"))
    name = Field("name", label(Cadre, "name"), TextWidget())
    position = Field("position", label(Cadre, "position"), TextWidget())
    phone = Field("phone", label(Cadre, "phone"), PhoneWidget())
    is_party_member = Field(
        "is_party_member", label(Cadre, "is_party_member"), YesNoWidget(), default=True
    )
    in_service = Field("in_service", label(Cadre, "in_service"), YesNoWidget(), default=True)
    related = ("unit",)

    class Meta:
        model = Cadre
        fields = ("unit", "name", "position", "phone", "is_party_member", "in_service")
        import_id_fields = ["unit", "name", "phone"]
        instance_loader_class = NaturalKeyInstanceLoader
        name = Cadre._meta.verbose_name_plural
