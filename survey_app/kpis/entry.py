"""Putting figures in: data owners enter their KPIs' figures each quarter (one form per quarter, or a
CSV of several quarters), and analysts import the police's street-level crime files.

A data owner may enter only the KPIs an administrator gave them; an administrator may enter any.
Every change is kept as a revision with who and why, and audited. Bad input keeps what was typed
and says, per field or per line, what to correct.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..security import allow_body
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from . import store, views
from .crime import CrimeFileError, read_crime_file
from .districts import FORCE, district_names
from .figures_csv import MAX_BYTES as MAX_FIGURES_BYTES
from .figures_csv import FiguresFileError, RowFault, parse_whole, read_figures
from .messages import crime_fault, figure_fault
from .models import KpiOwner
from .register import Kpi, Register, plain
from .routes import register_in_use
from .service import last_complete_quarter, reportable_quarters, valid_quarter

bp = Blueprint("kpi_entry", __name__, url_prefix="/staff/kpis")

ENTERERS = ("data_owner", "admin")
IMPORTERS = ("analyst", "admin")
# A month's Greater Manchester file is about 7 MB; twelve at once with room to spare.
MAX_CRIME_UPLOAD = 120 * 1024 * 1024
MAX_CRIME_FILES = 24


def _mine(register: Register) -> list[Kpi]:
    """The KPIs the signed-in staff member may enter figures for."""
    user = signed_in_staff()
    entered = register.entered()
    if "admin" in user.roles:
        return entered
    owned = set(db.session.scalars(sa.select(KpiOwner.kpi_id).where(KpiOwner.user_id == user.id)))
    return [k for k in entered if k.id in owned]


def _who() -> str:
    """Who entered a figure, as the staff pages show it (the board paper shows the name alone)."""
    user = signed_in_staff()
    return f"{user.display_name} <{user.email}>"


def _filename(name: str | None, fallback: str) -> str:
    shown = "".join(c for c in (name or "") if unicodedata.category(c) != "Cc").strip()
    return shown[:255] or fallback


@dataclass
class FieldError:
    field: str
    message: str


@bp.route("/figures", methods=["GET", "POST"])
@require_role(*ENTERERS)
def figures():
    register = register_in_use()
    mine = _mine(register)
    quarter = valid_quarter(request.values.get("quarter"), register) or last_complete_quarter()
    errors: list[FieldError] = []
    typed: dict[str, str] = {}
    reason = ""
    if request.method == "POST":
        reason = plain(request.form.get("reason", ""))
        changes = []
        for kpi in mine:
            for figure in kpi.figures:
                field = f"figure-{figure.id}"
                text = request.form.get(field, "").strip()
                typed[field] = text
                if not text:
                    continue
                value = parse_whole(text)
                if value is None:
                    errors.append(
                        FieldError(
                            field, figure_fault("value", {"value": text[:20], "maximum": store.MAX_FIGURE})
                        )
                    )
                    continue
                changes.append((kpi, figure, value, field))
        if len(reason) > store.MAX_REASON:
            errors.append(FieldError("reason", figure_fault("reason_length", {"maximum": store.MAX_REASON})))
        if not errors and not changes:
            errors.append(FieldError(_first_field(mine), _("Enter at least one figure")))
        recorded = []
        if not errors:
            for kpi, figure, value, field in changes:
                try:
                    outcome = store.record_figure(
                        kpi, figure.id, quarter, value, _who(), reason, last_quarter=last_complete_quarter()
                    )
                except store.FigureError as error:
                    params = {**error.params, "figure": figure.label, "quarter": views.quarter_label(quarter)}
                    field_name = "reason" if error.code == "reason" else field
                    errors.append(FieldError(field_name, figure_fault(error.code, params)))
                    continue
                if outcome.changed:
                    recorded.append(figure.id)
        if errors:
            db.session.rollback()
        else:
            if recorded:
                record("enter_kpi_figures", None, quarter=quarter, figures=recorded)
            db.session.commit()
            return redirect(url_for(".figures", quarter=quarter, saved=len(recorded)))
    return _figures_page(register, mine, quarter, errors=errors, typed=typed, reason=reason)


def _first_field(mine: list[Kpi]) -> str:
    return f"figure-{mine[0].figures[0].id}" if mine else "reason"


def _figures_page(
    register: Register,
    mine: list[Kpi],
    quarter: str,
    *,
    errors: list[FieldError] | None = None,
    typed: dict[str, str] | None = None,
    reason: str = "",
    upload_faults: list[RowFault] | None = None,
    upload_error: str = "",
    status: int | None = None,
):
    history = store.figure_history([k.id for k in mine]) if mine else {}
    saved = request.args.get("saved", "")
    page = render_template(
        "kpis/figures.html",
        register=register,
        mine=mine,
        quarter=quarter,
        quarters=reportable_quarters(register),
        history=history,
        errors=errors or [],
        field_errors={e.field: e.message for e in (errors or [])},
        typed=typed or {},
        reason=reason,
        upload_faults=[(f.line, figure_fault(f.code, f.params)) for f in (upload_faults or [])],
        upload_error=upload_error,
        saved=_count(saved),
        uploaded=request.args.get("uploaded", ""),
        views=views,
    )
    failed = bool(errors or upload_faults or upload_error)
    return page, status or (400 if failed else 200)


@bp.post("/figures/upload")
@allow_body(MAX_FIGURES_BYTES + 64 * 1024)
@require_role(*ENTERERS)
def figures_upload():
    register = register_in_use()
    mine = _mine(register)
    quarter = valid_quarter(request.form.get("quarter"), register) or last_complete_quarter()
    upload = request.files.get("figures_file")
    data = upload.read(MAX_FIGURES_BYTES + 1) if upload else b""
    if not upload or not upload.filename or not data:
        return _figures_page(register, mine, quarter, upload_error=_("Choose a CSV file of figures"))
    last = last_complete_quarter()
    try:
        rows, faults = read_figures(data, register, {k.id for k in mine}, last)
    except FiguresFileError as error:
        return _figures_page(register, mine, quarter, upload_error=figure_fault(error.code, error.params))
    recorded = 0
    for row in rows:
        try:
            outcome = store.record_figure(
                row.kpi,
                row.figure_id,
                row.quarter,
                row.value,
                _who(),
                row.reason,
                last_quarter=last,
                source="upload",
            )
        except store.FigureError as error:
            faults.append(
                RowFault(
                    row.line, error.code, {**error.params, "figure": row.figure_id, "quarter": row.quarter}
                )
            )
            continue
        recorded += int(outcome.changed)
    if faults:
        db.session.rollback()
        faults.sort(key=lambda f: f.line)
        return _figures_page(register, mine, quarter, upload_faults=faults)
    record("enter_kpi_figures", None, upload=_filename(upload.filename, "figures.csv"), figures=recorded)
    db.session.commit()
    return redirect(url_for(".figures", quarter=quarter, uploaded=recorded))


# Recorded crime ---------------------------------------------------------------------------------


@bp.route("/crime", methods=["GET", "POST"])
@allow_body(MAX_CRIME_UPLOAD)
@require_role(*IMPORTERS)
def crime():
    register = register_in_use()
    problems: list[tuple[str, list[str]]] = []  # (file, lines)
    imported: list[tuple[str, list[store.MonthImported]]] = []
    if request.method == "POST":
        uploads = [u for u in request.files.getlist("crime_files") if u and u.filename]
        if not uploads:
            problems.append(("", [_("Choose one or more street-level crime files (CSV)")]))
        elif len(uploads) > MAX_CRIME_FILES:
            problems.append(("", [_("Choose at most %(n)s files at once", n=MAX_CRIME_FILES)]))
        else:
            names = district_names()
            for upload in uploads:
                filename = _filename(upload.filename, "crime.csv")
                try:
                    tally = read_crime_file(upload.stream, names, FORCE)
                except CrimeFileError as error:
                    problems.append((filename, crime_fault(error)))
                    continue
                months = store.save_tally(tally, filename, _who())
                record("import_crime", None, filename=filename, months=[m.month for m in months])
                db.session.commit()
                imported.append((filename, months))
            if not problems:
                return redirect(url_for(".crime", imported=sum(len(m) for _f, m in imported)))
    months_needed = _months_needed(register)
    have = store.imported_months()
    return render_template(
        "kpis/crime.html",
        imports=store.imports(),
        missing=[m for m in months_needed if m not in have],
        problems=problems,
        imported=imported,
        imported_count=_count(request.args.get("imported", "")),
        max_files=MAX_CRIME_FILES,
        views=views,
    ), (400 if problems else 200)


def _count(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 else None


def _months_needed(register: Register) -> list[str]:
    """Every month the strategy's quarters need: the twelve months before the first, and after."""
    from .rates import months_of_year_to

    months: list[str] = []
    for quarter in reversed(reportable_quarters(register)):
        months.extend(m for m in months_of_year_to(quarter) if m not in months)
    return months
