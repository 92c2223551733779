"""`flask questionnaires import` and `flask questionnaires export`: spreadsheets in and out."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..questionnaire.xlsform.sheets import MAX_FILE_BYTES, XLSFormError
from ..questionnaire.xlsform.writer import write_xlsform
from ..registry import all_published, refresh_now
from . import store
from .catalogs import translator


def _translations_dir() -> str:
    return current_app.config["TRANSLATIONS_DIR"]


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish it at once (otherwise it is kept as a draft).")
@with_appcontext
def import_command(path: Path, publish: bool) -> None:
    """Import a questionnaire from an XLSForm spreadsheet (.xlsx)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise click.ClickException(f"{path}: cannot be read ({error.strerror})") from None
    try:
        outcome = store.import_spreadsheet(
            data, path.name, "command line", _translations_dir(), publish=publish
        )
    except XLSFormError as error:
        db.session.rollback()
        for fault in error.faults:
            click.echo(f"error: {path.name}: {fault}", err=True)
        click.echo(
            f"{path.name}: not imported ({len(error.faults)} to correct); nothing was stored", err=True
        )
        raise SystemExit(1) from None
    for fault in outcome.missing:
        click.echo(f"warning: {path.name}: {fault}", err=True)
    questionnaire = outcome.questionnaire
    if outcome.unchanged_from is not None:
        click.echo(
            f"unchanged: {path.name} is {questionnaire.id} version {outcome.unchanged_from} as it is "
            "published; nothing was stored"
        )
        return
    db.session.commit()
    languages = ", ".join(questionnaire.languages)
    state = (
        "published"
        if outcome.published
        else "draft (publish it with --publish, or on the questionnaires page)"
    )
    click.echo(
        f"imported: {questionnaire.id} version {outcome.version}, {len(questionnaire.questions)} questions, "
        f"offered in {languages}: {state}"
    )
    if outcome.published:
        refresh_now()
        click.echo(f"residents answer it at /surveys/{questionnaire.slug}")


@click.command("export")
@click.argument("questionnaire_id")
@click.option(
    "--output", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The .xlsx to write."
)
@with_appcontext
def export_command(questionnaire_id: str, output: Path) -> None:
    """Write a questionnaire (built-in or imported) out as an XLSForm spreadsheet."""
    published = all_published().get(questionnaire_id)
    if published is None:
        known = ", ".join(sorted(all_published())) or "none"
        raise click.ClickException(f"no questionnaire has the id '{questionnaire_id}' (there are: {known})")
    questionnaire = published.questionnaire
    data = write_xlsform(questionnaire, translator(questionnaire, _translations_dir()))
    try:
        output.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"{output}: cannot be written ({error.strerror})") from None
    click.echo(f"exported: {questionnaire.id} version {questionnaire.version} to {output}")
