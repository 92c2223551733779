"""Staff accounts: signing in, sessions, roles, and the staff entrance at /staff."""

from __future__ import annotations

from flask import Flask, g


def init_staff(app: Flask) -> None:
    from .access import refuse_undeclared
    from .cli import create_user_command
    from .routes import bp

    app.config.setdefault("STAFF_SIGN_IN_RATE_LIMIT", "10 per minute")
    app.before_request(refuse_undeclared)
    app.register_blueprint(bp)
    app.cli.add_command(create_user_command)

    @app.context_processor
    def staff_globals() -> dict[str, object]:
        # Only what this request has already looked up: rendering never touches the database.
        return {"staff_user": g.get("staff_user")}
