"""`flask --app wsgi create-user EMAIL --name NAME --role ROLE [--role ROLE] [--password-stdin]`."""

from __future__ import annotations

import re
import sys

import click
import sqlalchemy as sa
from flask_babel import force_locale

from ..extensions import db
from .models import ROLES, User, normalise_email
from .passwords import hash_password, password_problems

# Deliberately loose: one @, something either side, a dot in the domain, no spaces.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 120


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    return click.prompt(
        "Password", hide_input=True, confirmation_prompt="Repeat the password", prompt_suffix=": "
    )


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The name shown to colleagues, e.g. 'Sam Patel'.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    metavar="ROLE",
    help=f"One of: {', '.join(ROLES)}. Repeat for more than one.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)
def create_user_command(email: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Add a staff account that can sign in at /staff."""
    email = normalise_email(email)
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        _fail(f"{email!r} is not an email address (for example sam.patel@trafford.gov.uk)")
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        _fail(f"--name must be between 1 and {MAX_NAME_LENGTH} characters")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        _fail(f"unknown role {', '.join(map(repr, unknown))}: the roles are {', '.join(ROLES)}")
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        _fail(f"there is already an account for {email}")

    password = _read_password(password_stdin)
    with force_locale("en"):
        problems = password_problems(password, email)
    if problems:
        _fail(" ".join(problems))

    user = User(email=email, display_name=name, password_hash=hash_password(password))
    user.roles = set(roles)
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        _fail(f"there is already an account for {email}")
    click.echo(f"created staff account {email} ({name}) with role(s): {', '.join(sorted(user.roles))}")
