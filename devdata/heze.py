"""Heze's geography as the demo and the synthetic city use it: the city, its eleven counties,
districts and development zones with their 167 townships and subdistricts (from the
statistical code table in ``fixtures/heze-townships-2022.csv``), and the launch report's
villages and units (``fixtures/heze.json``)."""

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

GEOGRAPHY_FILE = Path(settings.BASE_DIR) / "fixtures" / "heze.json"


@dataclass(frozen=True)
class TownshipRow:
    county_code: str
    county_name: str
    code: str
    name: str

    @property
    def is_subdistrict(self) -> bool:
        return self.name.endswith("街道")


@cache
def geography() -> dict[str, Any]:
    """The city, the launch villages, the townships' other names and the launch units."""
    return json.loads(GEOGRAPHY_FILE.read_text(encoding="utf-8"))


@cache
def townships() -> tuple[TownshipRow, ...]:
    """Every township and subdistrict of the city, by code."""
    path = GEOGRAPHY_FILE.parent / geography()["townships_file"]
    with path.open(encoding="utf-8", newline="") as file:
        rows = [
            TownshipRow(
                row["county_code"], row["county_name"], row["township_code"], row["township_name"]
            )
            for row in csv.DictReader(file)
        ]
    return tuple(sorted(rows, key=lambda row: row.code))


def counties() -> dict[str, str]:
    """The counties, districts and development zones: code → name, by code."""
    return {row.county_code: row.county_name for row in townships()}
