"""The person who reported follows their report: at /forms/check, with its reference and the
memorable word they chose, they read its status and the messages written for them, write back,
and change their consent to share. Every page has the forms' neutral title and the exit button,
and nothing readable is left in the browser: one opaque token in a cookie that ends with it."""

from __future__ import annotations

from flask import Flask


def init_checkin(app: Flask) -> None:
    from .routes import bp
    from .visits import write_cookie

    app.register_blueprint(bp)
    app.after_request(write_cookie)
