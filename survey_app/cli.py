"""`flask --app wsgi ...` commands. Each says what it did and exits non-zero on a fault."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from .backups import backup_cli
from .extensions import db
from .models import QuestionnaireVersion
from .questionnaire import QuestionnaireError, load_questionnaire
from .questionnaire.loader import questionnaire_files
from .registry import all_published, load_registry

questionnaires_cli = AppGroup("questionnaires", help="Check, import and export questionnaires.")


def _published_checksums() -> dict[tuple[str, int], str] | None:
    """Checksums of published versions, or None when the database is not set up."""
    try:
        rows = db.session.execute(
            sa.select(
                QuestionnaireVersion.questionnaire_id,
                QuestionnaireVersion.version,
                QuestionnaireVersion.checksum,
            )
        ).all()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None
    return {(qid, version): checksum for qid, version, checksum in rows}


@questionnaires_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Validate questionnaire files (default: every file in the questionnaires folder)."""
    directory = Path(current_app.config["QUESTIONNAIRE_DIR"])
    files = list(paths) or list(questionnaire_files(directory))
    if not paths and current_app.config.get("CHECKLIST_DIR"):
        # The partnership's licensed checklists, kept outside the code.
        files += list(questionnaire_files(current_app.config["CHECKLIST_DIR"]))
    if not files:
        raise click.ClickException(f"no questionnaire files found in {directory}")
    faults = 0
    for path in files:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:
            click.echo(f"error: {error}", err=True)
            faults += 1
            continue
        click.echo(
            f"ok: {path} ({questionnaire.id} version {questionnaire.version}, "
            f"{len(questionnaire.questions)} questions)"
        )
    if not paths and not faults:
        faults += _check_published(directory)
    if faults:
        raise SystemExit(1)


def _check_published(directory: Path) -> int:
    """A published version whose file has since changed would make old answers mean something else."""
    published = _published_checksums()
    if not published:
        return 0
    faults = 0
    for item in load_registry(str(directory)).values():
        questionnaire = item.questionnaire
        stored = published.get((questionnaire.id, questionnaire.version))
        if stored and stored != item.checksum:
            click.echo(
                f"error: {questionnaire.source_file}: version {questionnaire.version} has already been "
                "answered, and the file has changed since: give the changed questionnaire a new version",
                err=True,
            )
            faults += 1
    return faults


@click.command("seed-demo")
@click.option("--count", default=4000, show_default=True, help="Demo responses per survey with measures.")
@click.option(
    "--accounts/--no-accounts",
    default=True,
    show_default=True,
    help="Create the demo staff accounts (or give them new passwords) and print them.",
)
def seed_demo_command(count: int, accounts: bool) -> None:
    """Publish the questionnaires, add demonstration responses (once) and print demo staff accounts."""
    from .demo import reset_demo_accounts, seed_demo
    from .survey.store import snapshot_for

    registry = all_published()
    if not registry:
        raise click.ClickException("no questionnaires are loaded: run `flask questionnaires check`")
    for published in registry.values():
        snapshot_for(published)
        questionnaire = published.questionnaire
        if questionnaire.measures:
            added = seed_demo(published, count)
            state = f"added {added} demo responses" if added else "demo responses already present"
        else:
            state = "published"
        click.echo(f"{questionnaire.id} version {questionnaire.version}: {state}")
    _seed_kpis()
    db.session.commit()
    if accounts:
        if current_app.config["APP_ENV"] == "production":
            raise click.ClickException("demo staff accounts are for development only (APP_ENV=production)")
        click.echo("Demo staff accounts (new passwords each time; sign in at /staff):")
        for email, password, roles in reset_demo_accounts():
            click.echo(f"  {', '.join(roles):<11} {email}  password: {password}")
        _seed_reports()


def _seed_reports() -> None:
    from .staff.models import User
    from .triage.demo import DEMO_WORD, seed_report_demo

    caseworker = db.session.scalar(sa.select(User.id).where(User.email == "caseworker@demo.invalid"))
    reference = seed_report_demo(caseworker)
    if reference:
        click.echo(
            f"Demo reports added. Check one at /forms/check: reference {reference}, word {DEMO_WORD!r}"
        )
    else:
        click.echo("Demo reports: reports already present")


def _seed_kpis() -> None:
    from .kpis.demo import seed_kpi_demo
    from .kpis.register import RegisterError
    from .kpis.service import current_register, last_complete_quarter

    try:
        register = current_register()
    except RegisterError as error:
        click.echo(f"KPIs: no demo figures, the register cannot be read: {error}", err=True)
        return
    added = seed_kpi_demo(register, last_complete_quarter())
    click.echo(
        "KPIs: " + ("added demo crime counts and figures" if added else "demo figures already present")
    )


@click.command("purge-expired")
def purge_expired_command() -> None:
    """Delete the answers of surveys left idle past SURVEY_IDLE_MINUTES, and of reports closed
    longer than REPORT_RETENTION_DAYS."""
    from .checkin import visits
    from .survey.store import purge_expired
    from .triage.retention import purge_closed_reports

    removed = purge_expired()
    ended = visits.purge_idle()
    db.session.commit()
    click.echo(f"deleted {removed} idle survey session(s)")
    click.echo(f"ended {ended} idle visit(s) to the check pages")
    click.echo(
        f"purged {purge_closed_reports()} report(s) closed more than "
        f"{current_app.config['REPORT_RETENTION_DAYS']} days ago"
    )


@click.group("reports")
def reports_cli() -> None:
    """What happens after a report."""


@reports_cli.command("send-notifications")
def send_notifications_command() -> None:
    """Send the queued "you have a new message" notices, retrying any that failed."""
    from .checkin import contacts

    sent, failed = contacts.send_pending()
    click.echo(f"sent {sent} notice(s); {failed} failed and will be tried again")
    if failed:
        raise SystemExit(1)


def register(app: Flask) -> None:
    from .kpis.commands import kpis_cli
    from .library.commands import export_command, import_command

    questionnaires_cli.add_command(import_command)
    questionnaires_cli.add_command(export_command)
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(kpis_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_expired_command)
    app.cli.add_command(reports_cli)
    app.cli.add_command(backup_cli)
