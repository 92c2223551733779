"""The administrators' questionnaires page: upload a spreadsheet, see its faults, preview the
draft, publish it, and download any questionnaire as a spreadsheet again."""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

from ..audit import record
from ..extensions import db
from ..questionnaire.xlsform.sheets import MAX_FILE_BYTES, Fault, XLSFormError
from ..questionnaire.xlsform.writer import write_xlsform
from ..registry import all_published, built_in, refresh_now
from ..security import allow_body
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from . import store
from .catalogs import translator

bp = Blueprint("questionnaires_admin", __name__, url_prefix="/staff/questionnaires")

ADMIN = "admin"
# What a questionnaire's id can be (as the questionnaire files' schema says).
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A body a little larger than the largest spreadsheet taken, so that one too large still meets
# the form's own message.
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 64 * 1024


def fault_text(fault: Fault) -> str:
    """One fault in the reader's language: where it is, then what to do."""
    message = fault.message.render(gettext)
    if fault.sheet == "file":
        where = gettext("The file")
    elif fault.row is not None and fault.column:
        where = gettext(
            "%(sheet)s sheet, row %(row)s, column %(column)s",
            sheet=fault.sheet,
            row=fault.row,
            column=fault.column,
        )
    elif fault.row is not None:
        where = gettext("%(sheet)s sheet, row %(row)s", sheet=fault.sheet, row=fault.row)
    else:
        where = gettext("%(sheet)s sheet", sheet=fault.sheet)
    return f"{where}: {message}"


def _filename(uploaded: str) -> str:
    shown = "".join(char for char in uploaded if unicodedata.category(char) != "Cc").strip()
    return shown[:255] or "questionnaire.xlsx"


def _spreadsheet(body: bytes, name: str) -> Response:
    """A spreadsheet to download, under a name with nothing in it a header could misread."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100]
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{safe}"'})


def _items() -> list[dict]:
    files = built_in()
    drafts = {row.questionnaire_id: row for row in store.drafts()}
    items = []
    for questionnaire_id, published in sorted(all_published().items()):
        items.append(
            {
                "questionnaire": published.questionnaire,
                "built_in": questionnaire_id in files and files[questionnaire_id] is published,
                "draft": drafts.pop(questionnaire_id, None),
            }
        )
    for questionnaire_id, row in sorted(drafts.items()):
        items.append({"questionnaire": None, "built_in": False, "draft": row, "id": questionnaire_id})
    return items


def _page(errors: list[str], status: int = 200, filename: str = ""):
    return render_template(
        "library/questionnaires.html",
        items=_items(),
        errors=errors,
        filename=filename,
        fault_text=fault_text,
        fault_from_data=store.fault_from_data,
        max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
        done=request.args.get("done", ""),
        done_id=request.args.get("id", ""),
    ), status


@bp.get("")
@require_role(ADMIN)
def questionnaires():
    return _page([])


@bp.post("")
@allow_body(MAX_UPLOAD_BODY)
@require_role(ADMIN)
def upload():
    sent = request.files.get("spreadsheet")
    data = sent.read(MAX_FILE_BYTES + 1) if sent else b""
    if not sent or not sent.filename or not data:
        return _page([gettext("Choose an Excel spreadsheet (.xlsx) in the XLSForm layout")], 400)
    filename = _filename(sent.filename)
    if len(data) > MAX_FILE_BYTES:
        return _page(
            [gettext("The file must be smaller than %(size)s MB", size=MAX_FILE_BYTES // (1024 * 1024))],
            400,
            filename,
        )
    user = signed_in_staff()
    try:
        outcome = store.import_spreadsheet(data, filename, user.email, current_app.config["TRANSLATIONS_DIR"])
    except XLSFormError as error:
        db.session.rollback()
        return _page([fault_text(fault) for fault in error.faults], 400, filename)
    if outcome.unchanged_from is not None:
        return redirect(url_for(".questionnaires", done="unchanged", id=outcome.questionnaire.id))
    record("import_questionnaire", None, questionnaire=outcome.questionnaire.id, version=outcome.version)
    db.session.commit()
    return redirect(url_for(".questionnaires", done="imported", id=outcome.questionnaire.id) + "#drafts")


def _known_id(draft_id: str) -> str:
    """The id, when it could be a questionnaire's; else 404 (it is not put in a query at all)."""
    if not _ID.fullmatch(draft_id):
        abort(404)
    return draft_id


@bp.post("/drafts/<draft_id>/publish")
@require_role(ADMIN)
def publish(draft_id: str):
    row = store.publish_draft(_known_id(draft_id))
    if row is None:
        abort(404)
    record("publish_questionnaire", None, questionnaire=draft_id, version=row.version)
    db.session.commit()
    refresh_now()
    return redirect(url_for(".questionnaires", done="published", id=draft_id))


@bp.post("/drafts/<draft_id>/discard")
@require_role(ADMIN)
def discard(draft_id: str):
    if not store.discard_draft(_known_id(draft_id)):
        abort(404)
    record("discard_questionnaire", None, questionnaire=draft_id)
    db.session.commit()
    return redirect(url_for(".questionnaires", done="discarded", id=draft_id) + "#drafts")


@bp.get("/<questionnaire_id>.xlsx")
@require_role(ADMIN)
def download(questionnaire_id: str):
    published = all_published().get(questionnaire_id)
    if published is None:
        abort(404)
    questionnaire = published.questionnaire
    body = write_xlsform(questionnaire, translator(questionnaire, current_app.config["TRANSLATIONS_DIR"]))
    return _spreadsheet(body, f"{questionnaire.id}-version-{questionnaire.version}.xlsx")


@bp.get("/drafts/<draft_id>.xlsx")
@require_role(ADMIN)
def download_draft(draft_id: str):
    row = store.draft(_known_id(draft_id))
    if row is None:
        abort(404)
    return _spreadsheet(row.spreadsheet, f"{row.questionnaire_id}-draft-version-{row.version}.xlsx")
