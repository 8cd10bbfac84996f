"""The rows of an assignment file: its columns, and a row once cleaned and once found in
the database."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "单位名称", "派出单位", "所在单位", "工作单位"),
    "cadre_name": ("干部姓名", "联系干部", "帮扶干部", "联系干部姓名", "帮扶干部姓名", "姓名"),
    # Recognised so it is not reported as an unknown column; positions are kept in the cadre
    # register, not changed by a unit's list.
    "position": ("职务", "职位", "干部职务"),
    "cadre_phone": (
        "干部手机",
        "干部电话",
        "干部手机号",
        "干部手机号码",
        "干部联系电话",
        "联系电话",
        "手机号码",
        "手机号",
    ),
    "head_name": ("户主姓名", "户主"),
    "id_number": (
        "户主身份证号",
        "户主身份证号码",
        "身份证号码",
        "身份证号",
        "户主公民身份号码",
        "公民身份号码",
    ),
}
COLUMN_LABELS = {
    "unit": gettext_lazy("unit"),
    "cadre_name": gettext_lazy("cadre's name"),
    "position": gettext_lazy("position"),
    "cadre_phone": gettext_lazy("cadre's phone"),
    "head_name": gettext_lazy("head of household"),
    "id_number": gettext_lazy("resident ID number of the head"),
}


@dataclass(slots=True)
class AssignmentRow:
    """One accepted row, its cells cleaned; ``None`` means the cell was empty."""

    sheet: str
    number: int
    id_number: str
    unit_name: str
    cadre_name: str
    cadre_phone: str | None = None
    head_name: str | None = None


@dataclass(slots=True)
class Link:
    """A row found in the database: the household and the cadre it should be linked to."""

    row: AssignmentRow
    household_id: int
    cadre_id: int
    village_id: int = 0
    # For the preview: the household's head, the cadre, and the cadre it is taken from.
    head_name: str = ""
    cadre: str = ""
    # The active assignment to another cadre that this one replaces, and that cadre.
    replaces: int | None = None
    previous_cadre: str = ""
    previous_cadre_id: int | None = None


def cadre_label(name: str, unit_name: str) -> str:
    return f"{name}（{unit_name}）"
