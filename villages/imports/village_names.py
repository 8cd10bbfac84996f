"""Which village a roster row names, within the village, township or county chosen for it."""

from collections import defaultdict

from common.translatable import gettext as _
from villages.imports import values
from villages.models import County, Township, TownshipAlias, Village


class TownshipError(values.RowError):
    """A row refused because of its township cell."""


class VillageResolver:
    """Finds the village a row belongs to, within the scope the coordinator chose.

    Villages of the same name in one county are told apart by the row's township: from a
    township column, or written before the village in its cell ("青堌集镇王庄村").
    """

    def __init__(self, scope: Village | Township | County) -> None:
        self.fixed = scope if scope.is_village else None
        villages = Village.objects.in_area(scope).select_related("township__county")
        self.by_key: dict[str, list[Village]] = defaultdict(list)
        self.townships: dict[str, list[Township]] = defaultdict(list)
        self.county_names: set[str] = set()
        for village in villages:
            self.by_key[values.village_key(village.name)].append(village)
            township = village.township
            if township not in self.townships[values.township_key(township.name)]:
                self.townships[values.township_key(township.name)].append(township)
            self.county_names.add(township.county.name)
        # Other names of the townships (沙沃镇 for 沙窝镇) are accepted as the names.
        self.other_names: dict[Township, list[str]] = defaultdict(list)
        known = {township.pk: township for found in self.townships.values() for township in found}
        for alias in TownshipAlias.objects.filter(township__in=list(known)):
            township = known[alias.township_id]
            self.other_names[township].append(alias.name)
            if township not in self.townships[values.township_key(alias.name)]:
                self.townships[values.township_key(alias.name)].append(township)
        self.scope = scope
        # A village, or the error saying why there is none.
        self._resolved: dict[object, Village | values.RowError] = {}

    def resolve(self, name: object, township: object = None) -> Village:
        """The village a row names; a county file repeats the same few names many times."""
        try:
            found = self._resolved[(name, township)]
        except KeyError:
            try:
                found = self._resolve(name, township)
            except values.RowError as error:
                found = error
            self._resolved[(name, township)] = found
        except TypeError:  # an unhashable cell value
            found = self._resolve(name, township)
        if isinstance(found, values.RowError):
            raise type(found)(found.args[0])
        return found

    def _township(self, cell: object) -> list[Township] | None:
        """The township a township cell names (None when blank), or TownshipError."""
        if values.is_blank(cell):
            return None
        text = values.clean_text(cell)
        found = self.townships.get(values.township_key(text))
        for county in self.county_names:
            found = found or self.townships.get(
                values.township_key(values.after_place(text, county) or text)
            )
        if found:
            return found
        # A county's file may name any of its townships; a township's or village's, its own.
        if self.scope.level == County.level:
            raise TownshipError(
                _("There is no township called %(name)s in %(scope)s.")
                % {"name": text, "scope": self.scope.name}
            )
        raise TownshipError(
            _("This row is for %(name)s, but the file is being imported into %(scope)s.")
            % {"name": text, "scope": self.scope.name}
        )

    def _candidates(self, text: str) -> list[Village]:
        """The villages a village cell can mean: its whole text, or a township and a village
        (after the county's name, if it starts with it)."""
        found = list(self.by_key.get(values.village_key(text), []))
        if found:
            return found
        for county in self.county_names:
            text = values.after_place(text, county) or text
        found = list(self.by_key.get(values.village_key(text), []))
        if found:
            return found
        for key, townships in self.townships.items():
            for township in townships:
                rest = values.after_place(text, township.name)
                for other in self.other_names.get(township, ()):
                    rest = rest or values.after_place(text, other)
                if rest is None and len(key) > 1:
                    rest = values.after_place(text, key)
                if rest is not None:
                    found += [
                        village
                        for village in self.by_key.get(values.village_key(rest), [])
                        if village.township == township and village not in found
                    ]
        return found

    def _resolve(self, name: object, township_cell: object = None) -> Village:
        townships = self._township(township_cell)
        if values.is_blank(name):
            if self.fixed:
                return self.fixed
            raise values.RowError(_("The village is missing; fill in the village column."))
        text = values.clean_text(name)
        matches = self._candidates(text)
        if townships is not None:
            matches = [village for village in matches if village.township in townships]
        if self.fixed and (not matches or matches[0] != self.fixed):
            raise values.RowError(
                _("This row is for %(name)s, but the file is being imported into %(village)s.")
                % {"name": text, "village": self.fixed.name}
            )
        if not matches:
            raise values.RowError(
                _("There is no village called %(name)s in %(scope)s.")
                % {"name": text, "scope": townships[0].name if townships else self.scope.name}
            )
        if len(matches) > 1:
            matches.sort(key=lambda village: village.code)
            shown = values.village_key(text)
            same = [village for village in matches if values.village_key(village.name) == shown]
            example = same[0] if same else matches[0]
            raise values.RowError(
                _(
                    "%(scope)s has %(count)s villages called %(name)s, in %(townships)s; fill "
                    "in a township column, or write the township before the village (such as "
                    "“%(example)s”)."
                )
                % {
                    "scope": self.scope.name,
                    "count": len(matches),
                    "name": text,
                    "townships": "、".join(village.township.name for village in matches),
                    "example": f"{example.township.name}{example.name}",
                }
            )
        return matches[0]

    def village_for_sheet(self, sheet_name: str) -> Village | None:
        try:
            return self._resolve(sheet_name) if not self.fixed else None
        except values.RowError:
            return None
