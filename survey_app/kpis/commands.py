"""`flask kpis import-crime FILE...`, `kpis record`, `kpis record-file` and `kpis report`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db
from . import store
from .crime import CrimeFileError, read_crime_file
from .districts import FORCE, district_names
from .export import report_json
from .figures_csv import FiguresFileError, RowFault, read_figures
from .messages import crime_fault, figure_fault
from .register import Register, RegisterError, is_quarter
from .service import current_register, last_complete_quarter, report_for, reportable_quarters

REASONS = {
    "not_a_crime": "anti-social behaviour, not recorded crime",
    "no_location": "no location",
    "outside_area": "outside Greater Manchester",
}
COMMAND_LINE = "command line"


def _words(code: str, params: dict[str, object]) -> str:
    with force_locale("en"):
        return figure_fault(code, params)


@click.group("kpis")
def kpis_cli() -> None:
    """The board's KPIs: recorded crime, figures entered each quarter and the quarterly report."""


def _register() -> Register:
    try:
        return current_register()
    except RegisterError as error:
        raise click.ClickException(str(error)) from None


@kpis_cli.command("import-crime")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def import_crime_command(paths: tuple[Path, ...]) -> None:
    """Import police.uk street-level crime files (CSV). A month imported again replaces the last import."""
    names = district_names()
    failed = 0
    for path in paths:
        try:
            with path.open("rb") as handle:
                tally = read_crime_file(handle, names, FORCE)
        except OSError as error:
            click.echo(f"error: {path}: cannot be read ({error.strerror})", err=True)
            failed += 1
            continue
        except CrimeFileError as error:
            with force_locale("en"):
                lines = crime_fault(error)
            for line in lines:
                click.echo(f"error: {path.name}: {line}", err=True)
            failed += 1
            continue
        months = store.save_tally(tally, path.name, COMMAND_LINE)
        db.session.commit()
        for month in months:
            left = ", ".join(f"{n:,} {REASONS.get(r, r)}" for r, n in sorted(month.left_out.items()))
            state = "replaced the earlier import" if month.replaced else "imported"
            click.echo(
                f"{path.name}: {month.month} ({month.force}) {state}: {month.crimes:,} crimes counted"
                + (f"; left out {left}" if left else "")
            )
    if failed:
        raise SystemExit(1)


def _quarter(value: str) -> str:
    quarter = value.strip().upper()
    if not is_quarter(quarter):
        raise click.BadParameter(f"{value!r} is not a quarter: write it like 2026Q3", param_hint="--quarter")
    return quarter


@kpis_cli.command("record")
@click.argument("kpi_id")
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q3.")
@click.option("--value", required=True, type=click.IntRange(0, store.MAX_FIGURE), help="The figure.")
@click.option("--figure", "figure_id", help="Which figure, for a KPI of several (e.g. missing_from_care).")
@click.option("--reason", default="", help="Why, when revising a figure already recorded.")
@click.option("--by", "by", default=COMMAND_LINE, show_default=True, help="Who gave the figure.")
@with_appcontext
def record_command(
    kpi_id: str, quarter: str, value: int, figure_id: str | None, reason: str, by: str
) -> None:
    """Record a KPI's figure for a quarter (a figure already recorded is revised, with a reason)."""
    register = _register()
    kpi = register.get(kpi_id)
    if kpi is None or kpi.source != "entered":
        entered = ", ".join(k.id for k in register.entered())
        raise click.ClickException(f"{kpi_id!r} is not a KPI whose figures are entered; those are: {entered}")
    if figure_id is None:
        if len(kpi.figures) > 1:
            names = ", ".join(f.id for f in kpi.figures)
            raise click.ClickException(f"{kpi.id} has several figures: say which with --figure ({names})")
        figure_id = kpi.figures[0].id
    try:
        recorded = store.record_figure(
            kpi,
            figure_id,
            _quarter(quarter),
            value,
            by,
            reason,
            last_quarter=last_complete_quarter(),
            source="command",
        )
    except store.FigureError as error:
        db.session.rollback()
        raise click.ClickException(_words(error.code, {**error.params, "figure": figure_id})) from None
    db.session.commit()
    row = recorded.figure
    if not recorded.changed:
        click.echo(f"{row.figure_id} for {row.quarter} is already {row.value:,}: nothing changed")
    elif row.revision == 1:
        click.echo(f"{row.figure_id} for {row.quarter}: recorded {row.value:,}")
    else:
        click.echo(f"{row.figure_id} for {row.quarter}: revised to {row.value:,} (revision {row.revision})")


@kpis_cli.command("record-file")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--by", "by", default=COMMAND_LINE, show_default=True, help="Who gave the figures.")
@with_appcontext
def record_file_command(path: Path, by: str) -> None:
    """Record several quarters' figures from a CSV (columns kpi, quarter, value, figure, reason)."""
    register = _register()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"{path}: cannot be read ({error.strerror})") from None
    last = last_complete_quarter()
    try:
        rows, faults = read_figures(data, register, None, last)
    except FiguresFileError as error:
        raise click.ClickException(f"{path.name}: {_words(error.code, error.params)}") from None
    for row in rows:
        try:
            store.record_figure(
                row.kpi, row.figure_id, row.quarter, row.value, by, row.reason, last_quarter=last
            )
        except store.FigureError as error:
            params = {**error.params, "figure": row.figure_id, "quarter": row.quarter}
            faults.append(RowFault(row.line, error.code, params))
    if faults:
        db.session.rollback()
        for fault in sorted(faults, key=lambda f: f.line):
            click.echo(f"error: {path.name}: line {fault.line}: {_words(fault.code, fault.params)}", err=True)
        click.echo(f"{path.name}: nothing was recorded ({len(faults)} line(s) to correct)", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"{path.name}: {len(rows)} figure(s) recorded")


@kpis_cli.command("report")
@click.option("--quarter", help="The quarter, e.g. 2026Q3 (default: the last quarter that has ended).")
@click.option("--format", "output", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_appcontext
def report_command(quarter: str | None, output: str) -> None:
    """Every KPI's figure, interval, status and trend for a quarter."""
    register = _register()
    chosen = _quarter(quarter) if quarter else last_complete_quarter()
    if chosen not in reportable_quarters(register):
        raise click.BadParameter(
            f"{chosen} is not a quarter of the strategy that has ended "
            f"({register.first_quarter} to {last_complete_quarter()})",
            param_hint="--quarter",
        )
    report = report_for(chosen, register)
    if output == "json":
        click.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        return
    click.echo(f"KPI report for {chosen}")
    for result in report.results:
        value = "no figure" if result.value is None else f"{result.value:,.4g}"
        click.echo(
            f"{result.kpi.number}. {result.kpi.short_name}: {value} ({result.status.replace('_', ' ')})"
        )
        for line in result.lines:
            shown = "no estimate" if line.value is None else f"{line.value:.1%}"
            status = line.status.replace("_", " ")
            click.echo(f"   {line.name}: {shown} against a target of {line.target:.0%} ({status})")
        if result.crime is not None and result.crime.year.home is not None:
            home = result.crime.year.home
            click.echo(
                f"   Trafford {home.rate:.1f} crimes per 1,000 residents in {result.crime.year.period}, "
                f"position {home.rank} of 10"
            )
