"""Saving and reading the KPIs' figures: crime counts from the police's files, and the figures data
owners enter each quarter, with every revision."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from .crime import CrimeTally
from .districts import FORCE
from .models import CrimeCount, CrimeImport, CrimeLeftOut, KpiFigure
from .register import Kpi, is_quarter, plain, quarter_index

MAX_FIGURE = 1_000_000
MAX_REASON = 500


@dataclass(frozen=True)
class MonthImported:
    month: str
    force: str
    rows: int
    crimes: int
    left_out: dict[str, int]
    replaced: bool  # the month had been imported before


def save_tally(tally: CrimeTally, filename: str, by: str) -> list[MonthImported]:
    """Store each (month, force) the file covers, replacing what an earlier import stored for it.
    The caller commits: one file is stored whole or not at all."""
    done = []
    for month, force in tally.months:
        previous = db.session.scalar(
            sa.select(CrimeImport).where(CrimeImport.month == month, CrimeImport.force == force)
        )
        for table in (CrimeCount, CrimeLeftOut):
            db.session.execute(sa.delete(table).where(table.month == month, table.force == force))
        if previous is not None:
            db.session.delete(previous)
            db.session.flush()
        left_out = tally.left_out_in(month, force)
        crimes = tally.crimes_in(month, force)
        db.session.add(
            CrimeImport(
                month=month,
                force=force,
                filename=plain(filename)[:255],
                rows=crimes + sum(left_out.values()),
                crimes=crimes,
                imported_by=plain(by)[:255],
            )
        )
        db.session.add_all(
            CrimeCount(month=m, force=f, district=d, crime_type=t, crimes=n)
            for (m, f, d, t), n in tally.crimes.items()
            if (m, f) == (month, force)
        )
        db.session.add_all(
            CrimeLeftOut(month=month, force=force, reason=r, rows=n) for r, n in left_out.items()
        )
        done.append(
            MonthImported(
                month, force, crimes + sum(left_out.values()), crimes, left_out, previous is not None
            )
        )
    return done


def imported_months() -> set[str]:
    """The months whose Greater Manchester Police file has been imported."""
    return set(db.session.scalars(sa.select(CrimeImport.month).where(CrimeImport.force == FORCE).distinct()))


def crime_counts(
    months: tuple[str, ...],
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, dict[str, int]]]]:
    """For these months: month -> district -> crimes, and crime type -> month -> district -> crimes."""
    rows = db.session.execute(
        sa.select(
            CrimeCount.month, CrimeCount.district, CrimeCount.crime_type, sa.func.sum(CrimeCount.crimes)
        )
        .where(CrimeCount.month.in_(months))
        .group_by(CrimeCount.month, CrimeCount.district, CrimeCount.crime_type)
    )
    total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_type: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for month, district, crime_type, crimes in rows:
        total[month][district] += int(crimes)
        by_type[crime_type][month][district] += int(crimes)
    return total, by_type


def left_out(months: tuple[str, ...]) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(CrimeLeftOut.reason, sa.func.sum(CrimeLeftOut.rows))
        .where(CrimeLeftOut.month.in_(months))
        .group_by(CrimeLeftOut.reason)
    )
    return {reason: int(n) for reason, n in rows}


def imports() -> list[CrimeImport]:
    return list(
        db.session.scalars(sa.select(CrimeImport).order_by(CrimeImport.month.desc(), CrimeImport.force))
    )


class FigureError(ValueError):
    """A figure that cannot be recorded; the message says why in words a data owner can act on."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Recorded:
    figure: KpiFigure
    changed: bool  # False: the same value as the figure already held, so nothing was stored


def check_value(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FIGURE:
        raise FigureError("value", maximum=MAX_FIGURE)
    return value


def record_figure(
    kpi: Kpi,
    figure_id: str,
    quarter: str,
    value: int,
    by: str,
    reason: str = "",
    *,
    last_quarter: str,
    source: str = "entered",
) -> Recorded:
    """Store a figure for a quarter that has ended (``last_quarter`` is the newest). A figure
    already held is revised, which needs a reason; the same value again stores nothing. The caller
    commits."""
    if figure_id not in {f.id for f in kpi.figures}:
        raise FigureError(
            "figure", figure=figure_id, kpi=kpi.id, figures=", ".join(f.id for f in kpi.figures)
        )
    if not is_quarter(quarter):
        raise FigureError("quarter", quarter=quarter[:20])
    if quarter_index(quarter) > quarter_index(last_quarter):
        raise FigureError("future", quarter=quarter)
    value = check_value(value)
    reason = plain(reason)
    if len(reason) > MAX_REASON:
        raise FigureError("reason_length", maximum=MAX_REASON)
    latest = latest_revision(figure_id, quarter)
    if latest is not None and latest.value == value:
        return Recorded(latest, False)
    if latest is not None and not reason:
        raise FigureError("reason", figure=figure_id, quarter=quarter, value=latest.value)
    row = KpiFigure(
        kpi_id=kpi.id,
        figure_id=figure_id,
        quarter=quarter,
        value=value,
        revision=(latest.revision + 1) if latest is not None else 1,
        entered_by=plain(by)[:255],
        reason=reason,
        source=source,
    )
    # Two people saving the same figure at once would both take the next revision number: the
    # second is told, not shown a server error. Nothing of theirs is stored (the whole transaction
    # is rolled back: a savepoint would commit on SQLite), so they save again, all at once.
    db.session.add(row)
    try:
        db.session.flush()
    except (sa.exc.IntegrityError, sa.exc.OperationalError):
        db.session.rollback()
        raise FigureError("conflict", figure=figure_id, quarter=quarter) from None
    return Recorded(row, True)


def latest_revision(figure_id: str, quarter: str) -> KpiFigure | None:
    return db.session.scalar(
        sa.select(KpiFigure)
        .where(KpiFigure.figure_id == figure_id, KpiFigure.quarter == quarter)
        .order_by(KpiFigure.revision.desc())
        .limit(1)
    )


def figure_history(kpi_ids: list[str]) -> dict[tuple[str, str], list[KpiFigure]]:
    """(figure id, quarter) -> every revision, newest first."""
    rows = db.session.scalars(
        sa.select(KpiFigure)
        .where(KpiFigure.kpi_id.in_(kpi_ids))
        .order_by(KpiFigure.figure_id, KpiFigure.quarter, KpiFigure.revision.desc())
    )
    history: dict[tuple[str, str], list[KpiFigure]] = defaultdict(list)
    for row in rows:
        history[(row.figure_id, row.quarter)].append(row)
    return dict(history)
