"""The session cookie: Flask's signed cookie, with its signer made once rather than per request.

Flask builds a new signing serializer to read the cookie and again to write it, on every request;
on a question page that was a noticeable share of the time. The signer depends only on the
secret key and its fallbacks, so it is kept until either changes.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._signers[keys]
        except KeyError:
            signer = super().get_signing_serializer(app)
            self._signers = {keys: signer}  # only the current keys are kept
            return signer
