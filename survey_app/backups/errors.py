"""The one kind of fault the backup commands report: a message saying why and what to do, and exit 1."""

from __future__ import annotations

import click


class BackupError(click.ClickException):
    """A backup cannot be made, read or restored; the message says why and what to do."""
