"""Backups: made, checked and restored on SQLite and PostgreSQL, with the keys kept apart.

A database with survey responses, a report (free text, a phone number, a name), a caseworker's note,
a report in progress and staff accounts is backed up once per database; each test restores that
backup (or a damaged copy of it) into a database of its own: a new SQLite file, or on PostgreSQL a
scratch database `backup_test_<random>` made on the TEST_DATABASE_URL server and dropped after.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask import Flask
from flask_migrate import upgrade

from survey_app import backups, create_app
from survey_app.backups import parts
from survey_app.config import normalise_database_url
from survey_app.database import dispose_engines
from survey_app.demo import seed_demo
from survey_app.encryption import EncryptionError
from survey_app.extensions import db
from survey_app.registry import get_published
from survey_app.reports.models import Report
from survey_app.survey.store import snapshot_for
from tests.conftest import PROJECT_ROOT, make_app
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, answer_all
from tests.web.test_reports import HATE, SECRET_PHONE, SECRET_STORY
from tests.web.test_reports import begin as begin_report
from tests.web.test_staff_accounts import PASSWORD, add_user, sign_in
from tests.web.test_triage import (
    ADMIN,
    CASEWORKER,
    SECRET_NOTE,
    csrf_token,
    get,
    staff_client,
    submit_hate_report,
)

# The schema revision this release's migrations end at, which a backup made now records.
HEAD = ScriptDirectory(str(PROJECT_ROOT / "survey_app" / "migrations")).get_current_head()


PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
    ),
]
needs_postgresql = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")

# The backup key of this run, and another one: neither is a report key.
KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
# Small parts, so that even a small backup has several and can be cut between them.
PART = 4096
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


class Databases:
    """New empty databases, and apps on them; PostgreSQL scratch databases are dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[str] = []
        self.apps: list[Flask] = []
        self._admin: sa.Engine | None = None

    def new_url(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self.folder / f'{uuid.uuid4().hex[:12]}.sqlite3'}"
        if self._admin is None:
            self._admin = sa.create_engine(
                normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
            )
        name = f"backup_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def app(self, url: str, *, migrate: bool = True, **overrides: object) -> Flask:
        if migrate:
            app = make_app(url, **overrides)
        else:
            app = create_app(
                {
                    "TESTING": True,
                    "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                    **overrides,
                }
            )
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            with app.app_context():
                db.session.remove()
            dispose_engines(app)
        if self._admin is not None:
            with self._admin.connect() as connection:
                for name in self.created:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()


class Source:
    """A database with a bit of everything, and its backup (made with small parts)."""

    def __init__(self, databases: Databases, kind: str) -> None:
        self.kind = kind
        self.url = databases.new_url(kind)
        self.app = databases.app(self.url)
        self.reference = populate(self.app)
        self.rows = all_rows(self.app)
        self.file = databases.folder / f"source-{kind}.stsbackup"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(parts, "CHUNK_SIZE", PART)
            result = cli(self.app, "create", "--output", str(self.file))
        assert result.exit_code == 0, result.output
        self.create_output = result.output


def populate(app: Flask) -> str:
    """Responses, a report with notes, a report in progress and staff accounts; the report's reference."""
    reference = submit_hate_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports/{reference}")
    client.post(
        f"/staff/reports/{reference}/notes", data={"csrf_token": csrf_token(page), "note": SECRET_NOTE}
    )
    add_user(app, email=ADMIN, roles=("admin",))
    visitor = Visitor(app.test_client())
    visitor.submit(answer_all(visitor, ANSWERS))
    halfway = Visitor(app.test_client())
    halfway.submit(begin_report(halfway, HATE), {"reporter_role": "witness"})
    with app.app_context():
        published = get_published("community_confidence")
        snapshot_for(published)
        seed_demo(published, 150)
    return reference


def all_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, as stored (encrypted columns as their ciphertext)."""
    with app.app_context(), db.engine.connect() as connection:
        metadata = sa.MetaData()
        metadata.reflect(bind=connection)
        return {
            name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for name, table in sorted(metadata.tables.items())
        }


def table_names(app: Flask) -> list[str]:
    with app.app_context(), db.engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
    with app.app_context():
        db.engine.dispose()
    return names


def cli(app: Flask, *args: str, key: str | None = KEY):
    """`flask backup ...` on this app, with BACKUP_ENCRYPTION_KEY set to `key` (None: unset)."""
    result = app.test_cli_runner().invoke(args=["backup", *args], env={backups.KEY_VARIABLE: key})
    # A fault is a message and exit 1, never an exception escaping the command.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def decrypted(path: Path) -> bytes:
    with path.open("rb") as stream:
        header = backups.read_header(stream, str(path))
        key = header.key_for(backups.parse_backup_keys(KEY))
        return b"".join(backups.content(stream, header, key, str(path)))


def part_ends(data: bytes) -> list[int]:
    """Where each part of a backup ends, as offsets into the file."""
    position = data.index(b"\n", len(backups.MAGIC)) + 1
    ends = []
    while position < len(data):
        word = int.from_bytes(data[position : position + 4], "big")
        position += 4 + (word & 0x7FFF_FFFF)
        ends.append(position)
    return ends


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory):
    made = Databases(tmp_path_factory.mktemp("backups"))
    yield made
    made.close()


@pytest.fixture(scope="module")
def sources(databases: Databases):
    made: dict[str, Source] = {}

    def source(kind: str) -> Source:
        if kind not in made:
            made[kind] = Source(databases, kind)
        return made[kind]

    return source


@pytest.fixture(params=BACKENDS)
def source(request: pytest.FixtureRequest, sources) -> Source:
    return sources(request.param)


# A backup restored


def test_restore_into_an_empty_database_gives_the_same_rows_and_the_same_reports(source, databases):
    assert "rows: " in source.create_output and "report 1" in source.create_output
    target = databases.app(databases.new_url(source.kind), migrate=False)
    result = cli(target, "restore", str(source.file))
    assert result.exit_code == 0, result.output
    assert "the same as when the backup was made" in result.output
    assert "encrypted answers and notes open with REPORT_ENCRYPTION_KEYS" in result.output
    assert all_rows(target) == source.rows
    assert {"response", "report", "report_note", "staff_user", "survey_session"} <= set(source.rows)
    assert len(source.rows["response"]) == 151 and len(source.rows["staff_user"]) == 2
    if source.kind == "sqlite":
        # The restored answers are no more readable by other local users than the backup was.
        restored = Path(sa.make_url(databases.apps[-1].config["SQLALCHEMY_DATABASE_URI"]).database)
        assert restored.stat().st_mode & 0o077 == 0

    # The service on the restored copy, with the same report keys, shows what the reporter wrote.
    client = target.test_client()
    assert sign_in(client, CASEWORKER, PASSWORD).status_code == 302
    page = get(client, f"/staff/reports/{source.reference}")
    assert page.status == 200
    assert page.soup.find(id="answer-description").get_text(strip=True) == SECRET_STORY
    assert SECRET_NOTE in page.soup.find(id="notes").get_text(" ", strip=True)


def test_the_backup_file_holds_no_readable_answers_reports_or_addresses(source):
    data = source.file.read_bytes()
    readable = [
        SECRET_STORY,
        "Zebedee",
        "Quillfeather",
        SECRET_PHONE,
        "Anna Example",
        SECRET_NOTE,
        "Wobblefritz",
        CASEWORKER,
        ADMIN,
        "trafford.example",
        source.reference,
        "pakistani",
        "police_council_dealing",
        "tend_to_agree",
        "community_confidence",
        "argon2id",
    ]
    for text in readable:
        assert text.encode() not in data, f"{text!r} is readable in the backup"
    assert b"SQLite format 3" not in data and b"PGDMP" not in data
    # Only the header is plain: what it is, and nothing about anyone.
    assert data.index(b"\n", len(backups.MAGIC)) < 2000

    # The search would find them if they were there: inside, once the backup key opens it, are the
    # survey answers and the staff addresses; report answers and notes are still encrypted with
    # REPORT_ENCRYPTION_KEYS.
    inside = decrypted(source.file)
    if source.kind == "postgresql":
        inside = subprocess.run(
            ["pg_restore", "--file=-"], input=inside, capture_output=True, check=True
        ).stdout
    for text in (CASEWORKER, ADMIN, source.reference, "pakistani", "police_council_dealing", "argon2id"):
        assert text.encode() in inside, text
    for text in (SECRET_STORY, "Zebedee", SECRET_PHONE, "Anna Example", "Wobblefritz"):
        assert text.encode() not in inside, text


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "BACKUP_ENCRYPTION_KEY is not set"),
        (OTHER_KEY, "BACKUP_ENCRYPTION_KEY does not open this backup"),
        ("not-a-key", "key 1 is not a key"),
    ],
    ids=["missing", "wrong", "malformed"],
)
def test_restore_without_the_right_backup_key_fails_clearly_and_changes_nothing(
    source, databases, key, message
):
    target = databases.app(databases.new_url(source.kind), migrate=False)
    result = cli(target, "restore", str(source.file), key=key)
    assert result.exit_code == 1
    assert message in result.output
    if key != "not-a-key":
        # It names the key it needs, by fingerprint.
        assert backups.key_fingerprint(backups.parse_backup_keys(KEY)[0].secret) in result.output
    assert table_names(target) == []


def test_restored_reports_cannot_be_read_with_other_report_keys(source, databases):
    other_report_keys = Fernet.generate_key().decode()
    target = databases.app(
        databases.new_url(source.kind), migrate=False, REPORT_ENCRYPTION_KEYS=other_report_keys
    )
    result = cli(target, "restore", str(source.file))
    assert result.exit_code == 1
    assert "do not open with REPORT_ENCRYPTION_KEYS" in result.output
    assert "1 of 1 in report.answers" in result.output and "1 of 1 in report_note.text" in result.output
    # Restored all the same, byte for byte: the right report keys would open it.
    assert all_rows(target) == source.rows
    with target.app_context():
        with pytest.raises(EncryptionError):
            db.session.scalars(sa.select(Report)).all()
        db.session.rollback()
        raw = db.session.execute(sa.text("SELECT answers FROM report")).scalar_one()
        assert raw.startswith("gAAAA") and "Zebedee" not in raw


def test_a_backup_key_of_its_own_is_required_to_make_a_backup(source, tmp_path):
    report_key = source.app.config["REPORT_ENCRYPTION_KEYS"].split(",")[0]
    for key, message in [
        (None, "BACKUP_ENCRYPTION_KEY is not set"),
        ("short", "key 1 is not a key"),
        (report_key, "key 1 is also in REPORT_ENCRYPTION_KEYS"),
    ]:
        result = cli(source.app, "create", "--output", str(tmp_path / "backup.stsbackup"), key=key)
        assert result.exit_code == 1 and message in result.output, result.output
    assert list(tmp_path.iterdir()) == []


# Damaged backups


def test_a_truncated_backup_fails_clearly_and_restores_nothing(source, databases, tmp_path):
    data = source.file.read_bytes()
    header_end = data.index(b"\n", len(backups.MAGIC)) + 1
    ends = part_ends(data)
    assert len(ends) >= 4, "the backup should have several parts"
    cuts = {
        len(backups.MAGIC) - 3: "ends inside its header",
        header_end - 10: "ends inside its header",
        header_end: "ends after 0 part(s)",
        header_end + 100: "ends inside part 1",
        ends[2]: "ends after 3 part(s), before its last part",
        ends[-2] + 2: f"ends after {len(ends) - 1} part(s)",
        len(data) - 1: f"ends inside part {len(ends)}",
    }
    target = databases.app(databases.new_url(source.kind), migrate=False)
    cut_file = tmp_path / "cut.stsbackup"
    for size, message in cuts.items():
        cut_file.write_bytes(data[:size])
        result = cli(target, "restore", str(cut_file))
        assert result.exit_code == 1, (size, result.output)
        assert "incomplete" in result.output and message in result.output, (size, result.output)
        # Parts were streamed into pg_restore before the end was missed: still nothing restored.
        assert table_names(target) == [], size
    assert cli(target, "verify", str(cut_file)).exit_code == 1


def test_a_changed_backup_fails_clearly_and_restores_nothing(source, databases, tmp_path):
    data = source.file.read_bytes()
    ends = part_ends(data)
    changed_part = bytearray(data)
    changed_part[ends[1] + 40] ^= 0x01
    changed_header = data.replace(b'"created_at": "20', b'"created_at": "19', 1)
    cases = {
        bytes(changed_part): "is damaged: part 3 does not match what was written",
        changed_header: "is damaged: its header or part 1 does not match",
        data + b"more": "there is data after its last part",
        data.replace(b'"alembic_revision": "', b'"alembic_revision": 5, "x": "', 1): "header is damaged",
        b"SQLite format 3\x00" + bytes(100): "is not a Safer Trafford Surveys backup",
        b"": "is empty",
    }
    target = databases.app(databases.new_url(source.kind), migrate=False)
    damaged = tmp_path / "damaged.stsbackup"
    for content, message in cases.items():
        damaged.write_bytes(content)
        result = cli(target, "restore", str(damaged))
        assert result.exit_code == 1 and message in result.output, (message, result.output)
        assert table_names(target) == [], message
        verified = cli(target, "verify", str(damaged))
        assert verified.exit_code == 1 and message in verified.output, (message, verified.output)


# Schemas, kinds of database, data already there


def test_a_backup_from_a_newer_schema_is_refused(databases, tmp_path):
    source = databases.app(databases.new_url("sqlite"))
    with source.app_context():
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
        db.session.commit()
    file = tmp_path / "future.stsbackup"
    made = cli(source, "create", "--output", str(file))
    assert made.exit_code == 0, made.output
    assert "schema revision 0099_future is unknown to this release" in made.output
    assert "unknown to this release" in cli(source, "verify", str(file)).output

    target = databases.app(databases.new_url("sqlite"), migrate=False)
    result = cli(target, "restore", str(file))
    assert result.exit_code == 1
    assert "schema revision 0099_future, which this release does not know" in result.output
    assert "made by a newer release" in result.output
    assert table_names(target) == []


def test_a_backup_from_an_older_schema_restores_and_asks_for_db_upgrade(databases, tmp_path):
    source = databases.app(databases.new_url("sqlite"), migrate=False)
    with source.app_context():
        upgrade(directory=str(PROJECT_ROOT / "survey_app" / "migrations"), revision="0004")
    file = tmp_path / "old.stsbackup"
    assert cli(source, "create", "--output", str(file)).exit_code == 0
    target = databases.app(databases.new_url("sqlite"), migrate=False)
    result = cli(target, "restore", str(file))
    assert result.exit_code == 0, result.output
    assert "the backup's schema is 0004" in result.output and "db upgrade" in result.output
    with target.app_context():
        upgrade(directory=str(PROJECT_ROOT / "survey_app" / "migrations"))
    assert "response_review" in table_names(target)


@needs_postgresql
def test_a_backup_is_restored_only_into_the_same_kind_of_database(sources, databases):
    for backup_kind, target_kind in (("sqlite", "postgresql"), ("postgresql", "sqlite")):
        target = databases.app(databases.new_url(target_kind), migrate=False)
        result = cli(target, "restore", str(sources(backup_kind).file))
        assert result.exit_code == 1
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        assert (
            f"is a backup of a {names[backup_kind]} database, and DATABASE_URL names a "
            f"{names[target_kind]} database"
        ) in result.output
        assert "do not move data between SQLite and PostgreSQL" in result.output
        assert table_names(target) == []


def test_restore_refuses_a_database_that_has_data_unless_yes(source, databases):
    target = databases.app(databases.new_url(source.kind))
    add_user(target, email="someone.else@trafford.example", roles=("admin",))
    before = all_rows(target)
    result = cli(target, "restore", str(source.file))
    assert result.exit_code == 1
    assert "already holds data (staff_user 1)" in result.output and "--yes" in result.output
    assert all_rows(target) == before

    result = cli(target, "restore", str(source.file), "--yes")
    assert result.exit_code == 0, result.output
    assert all_rows(target) == source.rows


# SQLite while the service writes


def test_sqlite_backup_taken_while_another_connection_writes_is_consistent(databases, tmp_path):
    url = databases.new_url("sqlite")
    app = databases.app(url)
    path = Path(url.removeprefix("sqlite:///"))
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE probe (batch INTEGER, n INTEGER, padding BLOB)")
    # A few megabytes, so that each copy takes a moment.
    setup.executemany("INSERT INTO probe VALUES (0, ?, ?)", [(n, os.urandom(1000)) for n in range(4000)])
    setup.commit()
    setup.close()

    batch_size = 25
    stop = threading.Event()
    commits: list[float] = []
    errors: list[Exception] = []

    def write() -> None:
        writer = sqlite3.connect(path, timeout=15, isolation_level=None)
        writer.execute("PRAGMA busy_timeout=15000")
        batch = 1
        try:
            while not stop.is_set():
                writer.execute("BEGIN IMMEDIATE")
                writer.executemany(
                    "INSERT INTO probe VALUES (?, ?, ?)", [(batch, n, b"x" * 200) for n in range(batch_size)]
                )
                writer.execute("COMMIT")
                commits.append(time.monotonic())
                batch += 1
        except sqlite3.Error as error:
            errors.append(error)
        finally:
            writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    windows = []
    try:
        time.sleep(0.05)
        for number in range(4):
            started = time.monotonic()
            result = cli(app, "create", "--output", str(tmp_path / f"{number}.stsbackup"))
            windows.append((started, time.monotonic()))
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join()
    assert errors == []
    # The writer went on while the backups were made.
    assert sum(1 for moment in commits if any(start < moment < end for start, end in windows)) > 10

    seen = []
    for number in range(4):
        copy = tmp_path / f"{number}.sqlite3"
        copy.write_bytes(decrypted(tmp_path / f"{number}.stsbackup"))
        check = sqlite3.connect(copy)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        batches = check.execute(
            "SELECT batch, count(*) FROM probe WHERE batch > 0 GROUP BY batch ORDER BY batch"
        ).fetchall()
        total = check.execute("SELECT count(*) FROM probe").fetchone()[0]
        check.close()
        # Each copy is the database as it was at one moment: every transaction up to it, whole.
        assert [batch for batch, _ in batches] == list(range(1, len(batches) + 1))
        assert all(count == batch_size for _, count in batches)
        with (tmp_path / f"{number}.stsbackup").open("rb") as stream:
            header = backups.read_header(stream, "backup")
            summary = header.summary(backups.parse_backup_keys(KEY)[0])
        assert summary["tables"]["probe"] == total
        seen.append(len(batches))
    assert seen == sorted(seen) and seen[-1] > seen[0]


# Checking a backup, keys, files


def test_verify_says_what_a_backup_is_and_whether_the_key_opens_it(source):
    result = cli(source.app, "verify", str(source.file))
    assert result.exit_code == 0, result.output
    kind = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[source.kind]
    for text in (
        f"database: {kind}",
        f"schema revision: {HEAD} (the same as this release's)",
        "made: 20",
        "BACKUP_ENCRYPTION_KEY opens it",
        "report 1",
        "report_note 1",
        "staff_user 2",
        "(all in REPORT_ENCRYPTION_KEYS here)",
        "OK: every part is intact",
    ):
        assert text in result.output, text

    quick = cli(source.app, "verify", "--quick", str(source.file))
    assert quick.exit_code == 0 and "parts not read" in quick.output

    wrong = cli(source.app, "verify", str(source.file), key=OTHER_KEY)
    assert wrong.exit_code == 1
    assert f"database: {kind}" in wrong.output and "does not open this backup" in wrong.output
    missing = cli(source.app, "verify", str(source.file), key=None)
    assert missing.exit_code == 1 and "BACKUP_ENCRYPTION_KEY is not set" in missing.output


def test_an_old_backup_key_kept_after_a_new_one_still_opens_old_backups(databases, tmp_path):
    source = databases.app(databases.new_url("sqlite"))
    add_user(source)
    old = tmp_path / "old.stsbackup"
    assert cli(source, "create", "--output", str(old)).exit_code == 0
    rotated = f"{OTHER_KEY},{KEY}"
    new = tmp_path / "new.stsbackup"
    assert cli(source, "create", "--output", str(new), key=rotated).exit_code == 0
    new_fingerprint = backups.parse_backup_keys(OTHER_KEY)[0].fingerprint
    assert f"backup key fingerprint: {new_fingerprint}" in cli(source, "verify", str(new), key=rotated).output
    for file in (old, new):
        target = databases.app(databases.new_url("sqlite"), migrate=False)
        assert cli(target, "restore", str(file), key=rotated).exit_code == 0


def test_backup_files_are_owner_only_never_overwritten_and_may_go_to_a_folder_or_a_pipe(databases, tmp_path):
    source = databases.app(databases.new_url("sqlite"))
    file = tmp_path / "one.stsbackup"
    assert cli(source, "create", "--output", str(file)).exit_code == 0
    assert file.stat().st_mode & 0o777 == 0o600
    before = file.read_bytes()
    again = cli(source, "create", "--output", str(file))
    assert again.exit_code == 1 and "already exists" in again.output
    assert file.read_bytes() == before
    assert not list(tmp_path.glob("*.partial"))

    folder = tmp_path / "nightly"
    folder.mkdir()
    assert cli(source, "create", "--output", str(folder)).exit_code == 0
    [named] = folder.iterdir()
    assert named.name.startswith("safer-trafford-sqlite-") and named.suffix == ".stsbackup"

    piped = cli(source, "create", "--output", "-")
    assert piped.exit_code == 0
    assert piped.stdout_bytes.startswith(backups.MAGIC) and b"backed up" not in piped.stdout_bytes
    assert "backed up the SQLite database" in piped.stderr


def run(args: list[str], **env: str | None) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("APP_ENV", "SECRET_KEY", backups.KEY_VARIABLE)
    }
    environment.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        args, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_backup_commands_as_a_person_runs_them(databases, tmp_path):
    url = databases.new_url("sqlite")
    source = databases.app(url)
    reference = submit_hate_report(source)
    env = {
        "DATABASE_URL": url,
        "BACKUP_ENCRYPTION_KEY": KEY,
        "REPORT_ENCRYPTION_KEYS": source.config["REPORT_ENCRYPTION_KEYS"],
    }
    file = tmp_path / "backup.stsbackup"
    made = run([*FLASK, "backup", "create", "--output", str(file)], **env)
    assert made.returncode == 0, made.stderr
    assert f"backed up the SQLite database (schema {HEAD})" in made.stdout

    target_url = databases.new_url("sqlite")
    restored = run([*FLASK, "backup", "restore", str(file)], **{**env, "DATABASE_URL": target_url})
    assert restored.returncode == 0, restored.stderr
    target = databases.app(target_url, migrate=False)
    with target.app_context():
        [report] = db.session.scalars(sa.select(Report)).all()
        assert report.reference == reference and report.answers["description"] == SECRET_STORY

    # A fault is one line and exit 1, never a traceback.
    cut = tmp_path / "cut.stsbackup"
    cut.write_bytes(file.read_bytes()[:-20])
    elsewhere = databases.new_url("sqlite")
    failed = run([*FLASK, "backup", "restore", str(cut)], **{**env, "DATABASE_URL": elsewhere})
    assert failed.returncode == 1
    assert "Error: " in failed.stderr and "is incomplete" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_the_engine_that_checks_a_copy_keeps_values_out_of_its_errors(tmp_path):
    from survey_app.backups.sqlite import sqlite_engine

    engine = sqlite_engine(tmp_path / "copy.sqlite3")
    with engine.connect() as connection:
        connection.execute(sa.text("CREATE TABLE t (x TEXT UNIQUE)"))
        connection.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": "Zebedee-secret"})
        with pytest.raises(sa.exc.IntegrityError) as raised:
            connection.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": "Zebedee-secret"})
    assert "Zebedee-secret" not in str(raised.value)
