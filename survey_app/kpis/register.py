"""The KPI register: the strategy's key performance indicators, as the board is promised them.

Plain Python, no Flask. The register is data (`config/kpis.yaml`, or the version an administrator
last saved in the app): each KPI's wording, sub-group, owning agency, unit, direction, baseline,
target and the source of its figures. `parse_register` checks every entry and names the KPI and
field of each fault, so a mistaken edit is refused whole rather than half-applied.

Units
    count      events in a quarter (incidents, people in a cohort who were victims again): each
               quarter's figure carries an exact Poisson interval and is compared with the baseline
               by an exact rate-ratio test
    headcount  people in post at the quarter's end: a figure, not a rate of events, so no interval
    rank       a position among areas (1 = lowest recorded crime)
    proportion a survey measure (from 0 to 1)

Targets
    relative   a change from the baseline, as a fraction: -0.20 is "a fifth fewer"
    absolute   a value to reach
    maintain   no worse than the baseline
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

UNITS = ("count", "headcount", "rank", "proportion")
DIRECTIONS = ("higher", "lower")
SOURCES = ("survey", "crime", "entered")
TARGET_KINDS = ("relative", "absolute", "maintain")
QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TEXT = 300
# No count the board sees comes near a million; larger numbers are mistakes (and exact tests on
# them would take long).
MAX_NUMBER = 1_000_000


def plain(text: str) -> str:
    """Text as one line: runs of white space made one space, control characters (NUL among them,
    which PostgreSQL refuses) dropped."""
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cc" or c.isspace()).split())


class RegisterError(ValueError):
    """A register that cannot be used; the message names the KPI and field."""


@dataclass(frozen=True)
class Subgroup:
    id: str
    name: str


@dataclass(frozen=True)
class Figure:
    """One number a data owner enters each quarter; a KPI's value is the sum of its figures."""

    id: str
    label: str


@dataclass(frozen=True)
class Baseline:
    value: float
    first_quarter: str
    last_quarter: str

    @property
    def quarters(self) -> int:
        """How many quarters the baseline covers: the exposure a quarter's count is compared with."""
        return quarter_index(self.last_quarter) - quarter_index(self.first_quarter) + 1

    @property
    def period(self) -> str:
        if self.first_quarter == self.last_quarter:
            return self.first_quarter
        return f"{self.first_quarter}-{self.last_quarter}"


@dataclass(frozen=True)
class KpiTarget:
    kind: str
    value: float | None  # relative: the fraction; absolute: the value; maintain: None
    date: dt.date


@dataclass(frozen=True)
class Kpi:
    id: str
    number: int
    wording: str
    short_name: str
    subgroup: str
    owner: str
    unit: str
    direction: str
    source: str
    baseline: Baseline | None  # survey KPIs take theirs from each town centre's target
    target: KpiTarget | None
    figures: tuple[Figure, ...] = ()
    questionnaire: str | None = None  # survey KPIs
    measure: str | None = None
    notes: str = ""

    @property
    def target_value(self) -> float | None:
        """The value that meets the target (None for a survey KPI: each town centre has its own)."""
        if self.target is None or self.baseline is None:
            return None
        if self.target.kind == "maintain":
            return self.baseline.value
        if self.target.kind == "absolute" or self.target.value is None:
            return self.target.value
        return self.baseline.value * (1 + self.target.value)

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is better than ``b`` for this KPI."""
        return a < b if self.direction == "lower" else a > b


@dataclass(frozen=True)
class Register:
    first_quarter: str  # the strategy's first quarter: trends start here
    subgroups: tuple[Subgroup, ...]
    kpis: tuple[Kpi, ...]

    def get(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)

    def in_subgroup(self, subgroup_id: str) -> list[Kpi]:
        return [k for k in self.kpis if k.subgroup == subgroup_id]

    def subgroup(self, subgroup_id: str) -> Subgroup | None:
        return next((s for s in self.subgroups if s.id == subgroup_id), None)

    def entered(self) -> list[Kpi]:
        return [k for k in self.kpis if k.source == "entered"]


def quarter_index(quarter: str) -> int:
    match = QUARTER_PATTERN.match(quarter)
    if not match:
        raise ValueError(f"{quarter!r} is not a quarter")
    return int(match.group(1)) * 4 + int(match.group(2)) - 1


def quarter_of_index(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def quarters_between(first: str, last: str) -> list[str]:
    return [quarter_of_index(i) for i in range(quarter_index(first), quarter_index(last) + 1)]


def is_quarter(value: object) -> bool:
    return isinstance(value, str) and bool(QUARTER_PATTERN.match(value)) and 2000 <= int(value[:4]) <= 2100


class _Reader:
    """Reads one entry, naming it in every fault."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise RegisterError(f"{where}: expected a mapping of fields")
        self.data, self.where = data, where

    def fail(self, field: str, message: str) -> RegisterError:
        return RegisterError(f"{self.where}, {field}: {message}")

    def text(self, field: str, *, required: bool = True, default: str = "") -> str:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is missing")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be text")
        if len(value) > MAX_TEXT:
            raise self.fail(field, f"is longer than {MAX_TEXT} characters")
        return plain(value)

    def ident(self, field: str) -> str:
        value = self.text(field)
        if not ID_PATTERN.match(value):
            raise self.fail(field, f"{value!r} must be lower-case letters, digits and _")
        return value

    def choice(self, field: str, choices: tuple[str, ...]) -> str:
        value = self.text(field)
        if value not in choices:
            raise self.fail(field, f"{value!r} must be one of {', '.join(choices)}")
        return value

    def number(self, field: str) -> float:
        value = self.data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) < MAX_NUMBER:
            raise self.fail(field, f"{value!r} must be a number (no more than a million)")
        return float(value)

    def date(self, field: str) -> dt.date:
        value = self.data.get(field)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(field, f"{value!r} is not a date (write YYYY-MM-DD)") from None

    def quarter(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not is_quarter(value):
            raise self.fail(field, f"{value!r} is not a quarter (write 2024Q4)")
        return value

    def unknown(self, allowed: set[str]) -> None:
        extra = sorted(set(self.data) - allowed)
        if extra:
            raise RegisterError(f"{self.where}: unknown field(s) {', '.join(map(str, extra))}")


_KPI_FIELDS = {
    "id",
    "number",
    "wording",
    "short_name",
    "subgroup",
    "owner",
    "unit",
    "direction",
    "source",
    "baseline",
    "target",
    "figures",
    "questionnaire",
    "measure",
    "notes",
}


def _baseline(entry: _Reader) -> Baseline:
    reader = _Reader(entry.data.get("baseline"), f"{entry.where}, baseline")
    reader.unknown({"value", "period"})
    value = reader.number("value")
    period = reader.data.get("period")
    first, _, last = str(period).partition("-")
    first = reader.quarter(first, "period")
    last = reader.quarter(last or first, "period")
    if quarter_index(last) < quarter_index(first):
        raise reader.fail("period", f"{period!r} ends before it begins")
    return Baseline(value, first, last)


def _target(entry: _Reader) -> KpiTarget:
    reader = _Reader(entry.data.get("target"), f"{entry.where}, target")
    reader.unknown({"kind", "value", "date"})
    kind = reader.choice("kind", TARGET_KINDS)
    value = None if kind == "maintain" else reader.number("value")
    if kind == "maintain" and "value" in reader.data:
        raise reader.fail("value", "a target to maintain the baseline has no value")
    if kind == "relative" and value is not None and not -1 < value != 0:
        raise reader.fail("value", "a relative change is a fraction above -1 and not 0 (e.g. -0.2)")
    return KpiTarget(kind, value, reader.date("date"))


def _figures(entry: _Reader, kpi_id: str) -> tuple[Figure, ...]:
    items = entry.data.get("figures")
    if items is None:
        return (Figure(kpi_id, entry.text("short_name")),)
    if not isinstance(items, list) or not items:
        raise entry.fail("figures", "must be a list of the figures entered, each with an id and a label")
    figures = []
    for i, item in enumerate(items, start=1):
        reader = _Reader(item, f"{entry.where}, figure {i}")
        reader.unknown({"id", "label"})
        figures.append(Figure(reader.ident("id"), reader.text("label")))
    return tuple(figures)


def _kpi(entry: _Reader, subgroups: set[str]) -> Kpi:
    entry.unknown(_KPI_FIELDS)
    kpi_id = entry.ident("id")
    entry.where = f"KPI {kpi_id}"
    number = entry.data.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise entry.fail("number", f"{number!r} must be a whole number from 1 to 99")
    subgroup = entry.text("subgroup")
    if subgroup not in subgroups:
        known = ", ".join(sorted(subgroups))
        raise entry.fail("subgroup", f"{subgroup!r} is not one of the sub-groups ({known})")
    unit = entry.choice("unit", UNITS)
    source = entry.choice("source", SOURCES)
    allowed_units = {"survey": ("proportion",), "crime": ("rank",), "entered": ("count", "headcount")}[source]
    if unit not in allowed_units:
        allowed = " or ".join(allowed_units)
        raise entry.fail("unit", f"a KPI from {source} figures is a {allowed}, not a {unit}")
    questionnaire = measure = None
    baseline = target = None
    if source == "survey":
        questionnaire, measure = entry.ident("questionnaire"), entry.ident("measure")
        for field in ("baseline", "target", "figures"):
            if field in entry.data:
                raise entry.fail(field, "a survey KPI's baselines and targets are each town centre's")
    else:
        for field in ("questionnaire", "measure"):
            if field in entry.data:
                raise entry.fail(field, f"only survey KPIs name a {field}")
        baseline, target = _baseline(entry), _target(entry)
    if source == "crime" and (target is None or target.kind != "maintain"):
        raise entry.fail("target", "the crime KPI's target is to keep Trafford's position (kind: maintain)")
    if source != "entered" and "figures" in entry.data:
        raise entry.fail("figures", "only KPIs entered each quarter have figures")
    figures = _figures(entry, kpi_id) if source == "entered" else ()
    if baseline is not None and (baseline.value < 0 or (unit == "rank" and baseline.value < 1)):
        raise entry.fail("baseline", f"{baseline.value:g} cannot be a {unit}")
    if baseline is not None and unit != "proportion" and baseline.value != round(baseline.value):
        raise entry.fail("baseline", f"a {unit} is a whole number, not {baseline.value:g}")
    direction = entry.choice("direction", DIRECTIONS)
    if baseline is not None and target is not None and target.value is not None:
        goal = target.value if target.kind == "absolute" else baseline.value * (1 + target.value)
        if (goal >= baseline.value) if direction == "lower" else (goal <= baseline.value):
            raise entry.fail(
                "target",
                f"a target for a KPI where {direction} is better must be {direction} than the baseline",
            )
    return Kpi(
        id=kpi_id,
        number=number,
        wording=entry.text("wording"),
        short_name=entry.text("short_name"),
        subgroup=subgroup,
        owner=entry.text("owner"),
        unit=unit,
        direction=direction,
        source=source,
        baseline=baseline,
        target=target,
        figures=figures,
        questionnaire=questionnaire,
        measure=measure,
        notes=entry.text("notes", required=False),
    )


def parse_register(data: Any, source: str = "KPI register") -> Register:
    top = _Reader(data, source)
    top.unknown({"first_quarter", "subgroups", "kpis"})
    first_quarter = top.quarter(top.data.get("first_quarter"), "first_quarter")
    raw_groups = top.data.get("subgroups")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise top.fail("subgroups", "must be a list of sub-groups, each with an id and a name")
    subgroups = []
    for i, item in enumerate(raw_groups, start=1):
        reader = _Reader(item, f"{source}: sub-group {i}")
        reader.unknown({"id", "name"})
        subgroups.append(Subgroup(reader.ident("id"), reader.text("name")))
    group_ids = {g.id for g in subgroups}
    if len(group_ids) != len(subgroups):
        raise top.fail("subgroups", "two sub-groups have the same id")
    raw_kpis = top.data.get("kpis")
    if not isinstance(raw_kpis, list) or not raw_kpis:
        raise top.fail("kpis", "must be a list of KPIs")
    kpis = [_kpi(_Reader(item, f"{source}: KPI {i}"), group_ids) for i, item in enumerate(raw_kpis, start=1)]
    _check_unique(kpis, source)
    return Register(first_quarter, tuple(subgroups), tuple(sorted(kpis, key=lambda k: k.number)))


def _check_unique(kpis: list[Kpi], source: str) -> None:
    seen: dict[object, str] = {}
    for kpi in kpis:
        for key, what in (((kpi.id,), "id"), ((kpi.number, "n"), "number")):
            if key in seen:
                raise RegisterError(f"{source}: KPI {kpi.id} has the same {what} as KPI {seen[key]}")
            seen[key] = kpi.id
    figure_owner: dict[str, str] = {}
    for kpi in kpis:
        for figure in kpi.figures:
            if figure.id in figure_owner:
                other = figure_owner[figure.id]
                raise RegisterError(f"{source}: KPI {kpi.id}: figure {figure.id} is also one of KPI {other}")
            figure_owner[figure.id] = kpi.id
    if sum(1 for k in kpis if k.source == "crime") > 1:
        raise RegisterError(f"{source}: only one KPI can come from the recorded crime files")


def load_register(path: str | Path) -> Register:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterError(f"cannot read the KPI register {path}: {exc}") from exc
    return parse_register(data, str(path))


def register_data(register: Register) -> dict[str, Any]:
    """The register in the shape of its file, so that a changed copy is checked by `parse_register`
    exactly as the file is."""

    def kpi_data(k: Kpi) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": k.id,
            "number": k.number,
            "wording": k.wording,
            "short_name": k.short_name,
            "subgroup": k.subgroup,
            "owner": k.owner,
            "unit": k.unit,
            "direction": k.direction,
            "source": k.source,
        }
        if k.baseline is not None:
            data["baseline"] = {"value": k.baseline.value, "period": k.baseline.period}
        if k.target is not None:
            target: dict[str, Any] = {"kind": k.target.kind, "date": k.target.date.isoformat()}
            if k.target.value is not None:
                target["value"] = k.target.value
            data["target"] = target
        if k.source == "entered" and not (len(k.figures) == 1 and k.figures[0].id == k.id):
            data["figures"] = [{"id": f.id, "label": f.label} for f in k.figures]
        if k.questionnaire:
            data["questionnaire"] = k.questionnaire
        if k.measure:
            data["measure"] = k.measure
        if k.notes:
            data["notes"] = k.notes
        return data

    return {
        "first_quarter": register.first_quarter,
        "subgroups": [{"id": g.id, "name": g.name} for g in register.subgroups],
        "kpis": [kpi_data(k) for k in register.kpis],
    }
