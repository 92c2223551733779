"""Administrators change the KPI register (wording, owner, baseline, target) and say who enters which
KPI's figures. Each change is checked as the register file is, kept as a new version with who and
why, and audited; what a KPI is (its id, unit, source and figures) is fixed by the register file."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from ..staff.models import User
from . import views
from .models import KpiOwner, KpiRegisterVersion
from .register import (
    TARGET_KINDS,
    Kpi,
    Register,
    RegisterError,
    is_quarter,
    parse_register,
    plain,
    register_data,
)
from .routes import register_in_use

bp = Blueprint("kpi_admin", __name__, url_prefix="/staff/kpis")

ADMIN = "admin"
MAX_TEXT = 300
MAX_REASON = 500
TEXT_FIELDS = ("wording", "short_name", "owner", "notes")


@bp.get("/register")
@require_role(ADMIN)
def register_page():
    register = register_in_use()
    versions = db.session.scalars(
        sa.select(KpiRegisterVersion).order_by(KpiRegisterVersion.id.desc()).limit(20)
    ).all()
    return render_template("kpis/register.html", register=register, versions=versions, views=views)


@dataclass
class Problem:
    field: str
    message: str


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e9 else None


def _date(form: Any, name: str) -> dt.date | None:
    parts = [form.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    try:
        return dt.date(year, month, day) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _changed(kpi: Kpi, register: Register, form: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The register's data with this KPI's fields as the form has them, and what is wrong."""
    data = copy.deepcopy(register_data(register))
    entry = next(k for k in data["kpis"] if k["id"] == kpi.id)
    problems: list[Problem] = []
    for name in TEXT_FIELDS:
        text = plain(form.get(name, ""))
        if len(text) > MAX_TEXT:
            problems.append(Problem(name, _("Write no more than %(n)s characters", n=MAX_TEXT)))
        elif not text and name != "notes":
            problems.append(Problem(name, _("This cannot be empty")))
        elif text:
            entry[name] = text
        else:
            entry.pop(name, None)
    subgroup = form.get("subgroup", "")
    if register.subgroup(subgroup) is None:
        problems.append(Problem("subgroup", _("Choose a sub-group")))
    else:
        entry["subgroup"] = subgroup
    if kpi.baseline is not None:
        value = _number(form.get("baseline_value", ""))
        period = form.get("baseline_period", "").strip().upper().replace(" ", "")
        first, _sep, last = period.partition("-")
        if value is None or value < 0 or (kpi.unit != "proportion" and value != round(value)):
            problems.append(
                Problem("baseline_value", _("Enter the baseline as a whole number, for example 43"))
            )
        if not is_quarter(first) or (last and not is_quarter(last)):
            problems.append(
                Problem("baseline_period", _("Enter the quarter or quarters, like 2024Q4 or 2024Q1-2024Q4"))
            )
        entry["baseline"] = {"value": value if value is not None else 0, "period": period}
    if kpi.target is not None:
        kind = form.get("target_kind", "")
        if kind not in TARGET_KINDS or (kpi.source == "crime" and kind != "maintain"):
            problems.append(Problem("target_kind", _("Choose what the target is")))
            kind = kpi.target.kind
        target: dict[str, Any] = {"kind": kind}
        if kind == "relative":
            percent = _number(form.get("target_change", ""))
            if percent is None or percent == 0 or percent <= -100:
                problems.append(
                    Problem("target_change", _("Enter the change as a percentage, for example -20 or 10"))
                )
            else:
                target["value"] = round(percent / 100, 6)
        elif kind == "absolute":
            value = _number(form.get("target_value", ""))
            if value is None or value < 0:
                problems.append(Problem("target_value", _("Enter the value to reach, for example 65")))
            else:
                target["value"] = value
        wrong_way = _wrong_way(kpi, entry.get("baseline", {}).get("value"), kind, target.get("value"))
        if wrong_way:
            problems.append(Problem("target_change" if kind == "relative" else "target_value", wrong_way))
        date = _date(form, "target_date")
        if date is None:
            problems.append(Problem("target_date-day", _("Enter a real date, for example 31 3 2027")))
        else:
            target["date"] = date.isoformat()
        entry["target"] = target
    return data, problems


def _wrong_way(kpi: Kpi, baseline: float | None, kind: str, value: float | None) -> str:
    """What is wrong with a target that points the way the KPI is not better, or ""."""
    if baseline is None or value is None or kind == "maintain":
        return ""
    goal = value if kind == "absolute" else baseline * (1 + value)
    if kpi.direction == "lower" and goal >= baseline:
        return _("Lower is better for this KPI: the target must be below the baseline")
    if kpi.direction == "higher" and goal <= baseline:
        return _("Higher is better for this KPI: the target must be above the baseline")
    return ""


@bp.route("/register/<kpi_id>", methods=["GET", "POST"])
@require_role(ADMIN)
def edit_kpi(kpi_id: str):
    register = register_in_use()
    kpi = register.get(kpi_id)
    if kpi is None:
        abort(404)
    problems: list[Problem] = []
    form: dict[str, str] = {}
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}
        data, problems = _changed(kpi, register, request.form)
        reason = plain(request.form.get("reason", ""))
        if not reason:
            problems.append(Problem("reason", _("Say why the KPI is being changed")))
        elif len(reason) > MAX_REASON:
            problems.append(Problem("reason", _("Write no more than %(n)s characters", n=MAX_REASON)))
        if not problems:
            try:
                changed = parse_register(data, "the register")
            except RegisterError as error:
                problems.append(Problem("wording", str(error)))
            else:
                if changed == register:
                    return redirect(url_for(".register_page", unchanged=kpi.id))
                user = signed_in_staff()
                db.session.add(
                    KpiRegisterVersion(
                        register=data, saved_by=f"{user.display_name} <{user.email}>", reason=reason
                    )
                )
                record("change_kpi_register", None, kpi=kpi.id)
                db.session.commit()
                return redirect(url_for(".register_page", saved=kpi.id))
    return render_template(
        "kpis/edit_kpi.html",
        register=register,
        kpi=kpi,
        problems=problems,
        field_errors={p.field: p.message for p in problems},
        form=form,
        views=views,
    ), (400 if problems else 200)


@bp.route("/owners", methods=["GET", "POST"])
@require_role(ADMIN)
def owners():
    register = register_in_use()
    entered = register.entered()
    people = db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.display_name)
    ).all()
    owners_list = [u for u in people if "data_owner" in u.roles]
    if request.method == "POST":
        allowed = {k.id for k in entered}
        for user in owners_list:
            chosen = {k for k in request.form.getlist(f"kpis-{user.id}") if k in allowed}
            held = set(db.session.scalars(sa.select(KpiOwner.kpi_id).where(KpiOwner.user_id == user.id)))
            if chosen == held:
                continue
            db.session.execute(
                sa.delete(KpiOwner).where(KpiOwner.user_id == user.id, KpiOwner.kpi_id.not_in(chosen))
            )
            db.session.add_all(KpiOwner(user_id=user.id, kpi_id=k) for k in sorted(chosen - held))
            record("assign_kpi_owners", None, user=user.id, kpis=sorted(chosen))
        db.session.commit()
        return redirect(url_for(".owners", saved="1"))
    owned: dict[int, set[str]] = {}
    for user_id, kpi_id in db.session.execute(sa.select(KpiOwner.user_id, KpiOwner.kpi_id)):
        owned.setdefault(user_id, set()).add(kpi_id)
    return render_template(
        "kpis/owners.html",
        entered=entered,
        owners=owners_list,
        owned=owned,
        saved=request.args.get("saved") == "1",
        views=views,
    )
