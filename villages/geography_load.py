"""Loading a city's geography from the statistical code table (统计用区划代码表).

The National Bureau of Statistics publishes every area with its 12-digit code, its name and,
for villages and communities, the urban-rural class code (城乡分类代码: 1xx urban, a
community; 2xx rural, a village). The level of an area follows from its code: a county's ends
in six zeros, a township's in three, a village's in neither; the city's in eight.

A load is worked out in full and shown before anything is kept: what is new, renamed, of
another kind, gone, and what lies outside the user's area (left as it is). Gone areas that
households or anything else still refer to are kept and reported, never deleted. The same file
loaded again changes nothing.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _lazy

from common.exports import transferred
from common.spreadsheets.errors import SpreadsheetError
from common.spreadsheets.reading import read_sheets
from common.translatable import gettext as _
from villages.imports.areas import covers, targets_for
from villages.models import Area, City, County, Household, Township, TownshipAlias, Village

# What the audit trail calls a confirmed load.
AUDIT_ACTION = "geography_load"
# Rows of the table a whole city has (~6,000) with room for a province's.
MAX_ROWS = 150_000
# How many problems of a refused file are listed.
MAX_ERRORS = 20
_PARENT_LEVELS = (("county", "city"), ("township", "county"), ("village", "township"))
_DIGITS = re.compile(r"^\d+$")
_LEVELS: dict[str, type[Area]] = {"county": County, "township": Township, "village": Village}


class GeographyFileError(Exception):
    """A file that is not a code table this user may load; ``messages`` say why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class AreaRow:
    line: int
    code: str
    name: str
    # "village" or "community" for villages with an urban-rural class code, else "".
    kind: str = ""

    @property
    def level(self) -> str:
        return level_of(self.code)


@dataclass
class Change:
    level: str
    code: str
    name: str
    before: str = ""
    reason: str = ""

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES[self.level])


@dataclass
class GeographyReport:
    new: list[Change] = field(default_factory=list)
    renamed: list[Change] = field(default_factory=list)
    kind_changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    kept: list[Change] = field(default_factory=list)
    rejected: list[Change] = field(default_factory=list)
    unchanged: int = 0
    outside: int = 0
    outside_examples: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.renamed) + len(self.kind_changed) + len(self.removed)


def level_of(code: str) -> str:
    """city, county, township or village, from a 12-digit statistical area code."""
    if code.endswith("00000000"):
        return "city"
    if code.endswith("000000"):
        return "county"
    if code.endswith("000"):
        return "township"
    return "village"


def _code(value: object) -> str | None:
    """The digits of a code cell (Excel keeps codes as numbers), or None if it holds none."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text if len(text) >= 6 and _DIGITS.match(text) else None


def _kind(value: object) -> str:
    """A village's kind from its urban-rural class code: 1xx urban, 2xx rural."""
    text = _code_text(value)
    if len(text) == 3 and text[0] in "12" and text.isdigit():
        return Village.Kind.COMMUNITY if text[0] == "1" else Village.Kind.VILLAGE
    return ""


def _code_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def parse_code_table(data: bytes, *, filename: str) -> list[AreaRow]:
    """The areas of a code table (CSV, .xlsx or .xls): each row a code, a name and, for a
    village, maybe its urban-rural class code, in any column order; other rows are skipped."""
    try:
        sheets = read_sheets(data, filename=filename, max_rows=MAX_ROWS)
        rows: list[AreaRow] = []
        errors: list[str] = []
        for sheet in sheets:
            if sheet.hidden:
                continue
            for line, cells in enumerate(sheet.rows, start=1):
                row = _area_row(line, cells, errors)
                if row is not None:
                    rows.append(row)
    except SpreadsheetError as error:
        raise GeographyFileError([str(error)]) from error
    if errors:
        raise GeographyFileError(errors[:MAX_ERRORS])
    if not rows:
        raise GeographyFileError(
            [
                _(
                    "This file is not a statistical code table: no row has a 12-digit area "
                    "code and a name."
                )
            ]
        )
    seen: dict[str, AreaRow] = {}
    for row in rows:
        if row.code in seen and seen[row.code].name != row.name:
            errors.append(
                _("Row %(line)s: the code %(code)s is given twice, with different names.")
                % {"line": row.line, "code": row.code}
            )
        seen[row.code] = row
    if errors:
        raise GeographyFileError(errors[:MAX_ERRORS])
    return list(seen.values())


def _area_row(line: int, cells: list[object], errors: list[str]) -> AreaRow | None:
    code = next((c for c in map(_code, cells) if c is not None), None)
    if code is None:
        return None  # a title, a header or an empty row
    if len(code) != 12:
        errors.append(
            _("Row %(line)s: the code %(code)s has %(length)s digits; area codes have 12.")
            % {"line": line, "code": code, "length": len(code)}
        )
        return None
    name = next(
        (
            text
            for text in (_code_text(cell) for cell in cells)
            if text and not text.isdigit() and len(text) <= 50
        ),
        "",
    )
    if not name:
        errors.append(
            _("Row %(line)s: the code %(code)s has no name.") % {"line": line, "code": code}
        )
        return None
    kind = ""
    if level_of(code) == "village":
        kind = next((k for k in map(_kind, cells) if k), "")
    return AreaRow(line, code, name, kind)


class _Area:
    """What the acting user may change: the counties and townships wholly in their area."""

    def __init__(self, user: Any) -> None:
        self.whole_city = covers(user, None)
        self.counties = {c[:6] for c in targets_for(user, County).values_list("code", flat=True)}
        self.townships = {c[:9] for c in targets_for(user, Township).values_list("code", flat=True)}

    def holds(self, code: str) -> bool:
        level = level_of(code)
        if level == "city":
            return self.whole_city
        if self.whole_city or code[:6] in self.counties:
            return True
        return level != "county" and code[:9] in self.townships


def load_geography(
    *, user: Any, rows: list[AreaRow], confirm: bool = False, file_name: str = ""
) -> GeographyReport:
    """Bring the geography in ``user``'s area to what the code table says; without
    ``confirm``, only work out what that would change (the preview). A confirmed load is told
    to the audit trail, with ``file_name`` and what it changed."""
    city = City.objects.first()
    city_prefix = city.code[:4] if city else rows[0].code[:4]
    outside_city = [row for row in rows if row.code[:4] != city_prefix]
    if outside_city:
        raise GeographyFileError(
            [
                _("Row %(line)s: the code %(code)s is not in %(city)s.")
                % {"line": row.line, "code": row.code, "city": city.name if city else city_prefix}
                for row in outside_city[:MAX_ERRORS]
            ]
        )
    area = _Area(user)
    report = GeographyReport()
    inside = []
    for row in rows:
        if area.holds(row.code):
            inside.append(row)
        else:
            report.outside += 1
            if len(report.outside_examples) < 5:
                report.outside_examples.append(f"{row.code} {row.name}")
    if not inside:
        raise GeographyFileError(
            [_("None of the codes in this table lies in your area; nothing can be loaded.")]
        )
    with transaction.atomic():
        _apply(report, city, inside, rows, area)
        if report.rejected and confirm:
            # Rows that cannot be loaded as they are: nothing is kept until they are fixed.
            transaction.set_rollback(True)
        elif not confirm:
            transaction.set_rollback(True)
        else:
            report.applied = True
            _announce(report, user=user, rows=len(inside), file_name=file_name)
    return report


def _announce(report: GeographyReport, *, user: Any, rows: int, file_name: str) -> None:
    # Inside the load's transaction: the event is kept exactly when the changes are.
    transferred.send(
        sender=County,
        request=None,
        user=user,
        action=AUDIT_ACTION,
        model=County,
        rows=rows,
        details={
            "file_name": file_name,
            "new": len(report.new),
            "renamed": len(report.renamed),
            "kind_changed": len(report.kind_changed),
            "removed": len(report.removed),
            "kept": len(report.kept),
            "unchanged": report.unchanged,
            "outside": report.outside,
        },
    )


def _apply(
    report: GeographyReport,
    city: City | None,
    inside: list[AreaRow],
    every_row: list[AreaRow],
    area: _Area,
) -> None:
    by_level: dict[str, list[AreaRow]] = {"city": [], "county": [], "township": [], "village": []}
    for row in inside:
        by_level[row.level].append(row)
    if city is None:
        head = by_level["city"][0] if by_level["city"] else None
        if head is None:
            raise GeographyFileError([_("Add the city's own row to the table: none is kept yet.")])
        city = City.objects.create(code=head.code, name=head.name)
        report.new.append(Change("city", head.code, head.name))
    elif by_level["city"]:
        _update(report, city, by_level["city"][0])
    _remove_gone(report, _listed(every_row), _extent(every_row), area)
    parents: dict[str, Area] = {"city": city}
    for level, parent_level in (
        ("county", "city"),
        ("township", "county"),
        ("village", "township"),
    ):
        model = _LEVELS[level]
        existing = model.objects.in_bulk([row.code for row in by_level[level]], field_name="code")
        for row in by_level[level]:
            found = existing.get(row.code)
            if found is not None:
                _update(report, found, row)
                continue
            parent = _parent(row, parent_level, parents)
            if parent is None:
                reason = _("The area above it is neither in the table nor kept yet.")
                report.rejected.append(Change(level, row.code, row.name, reason=reason))
                continue
            _create(report, model, parent, row)


def _listed(rows: list[AreaRow]) -> set[str]:
    """The codes the table lists, and the county and township above each: a table of one
    county's townships and villages, without the county's own row, does not remove the county."""
    listed = set()
    for row in rows:
        listed |= {row.code, row.code[:6] + "000000", row.code[:9] + "000"}
    return listed


def _extent(rows: list[AreaRow]) -> set[str]:
    """The county prefixes the table covers whole: the city's if it has the city's row."""
    if any(row.level == "city" for row in rows):
        return {code[:6] for code in County.objects.values_list("code", flat=True)} | {
            row.code[:6] for row in rows
        }
    return {row.code[:6] for row in rows}


def _parent(row: AreaRow, level: str, parents: dict[str, Area]) -> Area | None:
    if level == "city":
        return parents["city"]
    code = row.code[:6] + "000000" if level == "county" else row.code[:9] + "000"
    if code not in parents:
        model = _LEVELS[level]
        found = model.objects.filter(code=code).first()
        if found is None:
            return None
        parents[code] = found
    return parents[code]


def _update(report: GeographyReport, found: Area, row: AreaRow) -> None:
    fields = []
    if found.name != row.name:
        report.renamed.append(Change(row.level, row.code, row.name, before=found.name))
        if isinstance(found, Township):
            # The old name stays findable, as searches and rosters may still use it.
            TownshipAlias.objects.get_or_create(name=found.name, defaults={"township": found})
        found.name = row.name
        fields.append("name")
    if isinstance(found, Village) and row.kind and found.kind != row.kind:
        report.kind_changed.append(
            Change(row.level, row.code, row.name, before=found.get_kind_display())
        )
        found.kind = row.kind
        fields.append("kind")
    if fields:
        found.save(update_fields=fields)
    else:
        report.unchanged += 1


def _create(report: GeographyReport, model: type[Area], parent: Area, row: AreaRow) -> None:
    values: dict[str, Any] = {"code": row.code, "name": row.name}
    if model is County:
        values["city"] = parent
    elif model is Township:
        values["county"] = parent
    else:
        values["township"] = parent
        values["kind"] = row.kind or Village.Kind.VILLAGE
        if Village.objects.filter(township=parent, name=row.name).exists():
            report.rejected.append(
                Change(
                    row.level,
                    row.code,
                    row.name,
                    reason=_("%(township)s already has a village of that name, with another code.")
                    % {"township": parent.name},
                )
            )
            return
    model.objects.create(**values)
    report.new.append(Change(row.level, row.code, row.name))


def _remove_gone(report: GeographyReport, listed: set[str], extent: set[str], area: _Area) -> None:
    """Delete the areas of the table's extent and the user's area that the table no longer
    lists, villages first; keep and report those something still refers to."""
    for level in ("village", "township", "county"):
        model = _LEVELS[level]
        candidates = model.objects.filter(
            **{"code__regex": r"^(" + "|".join(sorted(extent)) + r")"}
        ).exclude(code__in=listed)
        for found in candidates.order_by("code"):
            if not area.holds(found.code):
                continue
            reason = _still_used(found)
            if reason:
                report.kept.append(Change(level, found.code, found.name, reason=reason))
            else:
                found.delete()
                report.removed.append(Change(level, found.code, found.name))


def _still_used(found: Area) -> str:
    """Why ``found`` cannot go: its households, or the records that still name it; ""."""
    households = Household.objects.in_area(found).count()
    if households:
        return _("%(count)s households live there.") % {"count": households}
    collector = Collector(using="default", origin=found)
    try:
        collector.collect([found])
    except (ProtectedError, RestrictedError) as error:
        return _named(getattr(error, "protected_objects", None) or error.restricted_objects)
    others = [
        qs.model for qs in collector.fast_deletes if qs.model not in _GEOGRAPHY and qs.exists()
    ]
    others += [model for model, objs in collector.data.items() if model not in _GEOGRAPHY and objs]
    return _named_models(others)


_GEOGRAPHY = {County, Township, Village, TownshipAlias}


def _named(objects: Iterable[models.Model]) -> str:
    return _named_models([type(obj) for obj in objects])


def _named_models(found: list[type[models.Model]]) -> str:
    names = sorted({str(model._meta.verbose_name_plural) for model in found})
    if not names:
        return ""
    return _("Still used by: %(records)s.") % {"records": "、".join(names)}


LEVEL_NAMES = {
    "city": _lazy("city"),
    "county": _lazy("county or district"),
    "township": _lazy("township or subdistrict"),
    "village": _lazy("village or community"),
}


def report_lines(report: GeographyReport) -> list[str]:
    """The report as plain lines, for the command line."""
    lines = [
        _(
            "New: %(new)s; renamed: %(renamed)s; kind changed: %(kind)s; removed: %(removed)s; "
            "kept although gone: %(kept)s; unchanged: %(unchanged)s; outside your area: "
            "%(outside)s; rejected: %(rejected)s."
        )
        % {
            "new": len(report.new),
            "renamed": len(report.renamed),
            "kind": len(report.kind_changed),
            "removed": len(report.removed),
            "kept": len(report.kept),
            "unchanged": report.unchanged,
            "outside": report.outside,
            "rejected": len(report.rejected),
        }
    ]
    sections = (
        (_("New"), report.new),
        (_("Renamed"), report.renamed),
        (_("Kind changed"), report.kind_changed),
        (_("Removed"), report.removed),
        (_("Kept although gone"), report.kept),
        (_("Rejected"), report.rejected),
    )
    for title, changes in sections:
        for change in changes:
            text = f"{title}: {LEVEL_NAMES[change.level]} {change.code} {change.name}"
            if change.before:
                text += f" ← {change.before}"
            if change.reason:
                text += f" ({change.reason})"
            lines.append(text)
    return lines
