"""What a browser holds of the surveys and reports it has in progress: one random token each.

Nothing a browser holds may name what is being answered: someone checking a phone can decode
the session cookie. So each token is filed under a key made from the questionnaire id with the
app's secret, which tells nothing to anyone without the secret.

A survey's tokens stay in the session cookie for as long as the survey does (a day idle). A
report's live in a cookie of their own with no expiry date, which the browser deletes when it
closes: a report in progress must not outlast the visit that began it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import Flask, Response, current_app, g, request, session

from ..questionnaire import Questionnaire

SURVEYS_KEY = "surveys"
FORMS_COOKIE = "sts_form"
_KEY_LENGTH = 16
# A key and a token (secrets.token_urlsafe(32): 43 URL-safe characters); entries joined by ".".
_ENTRY = re.compile(rf"^([0-9a-f]{{{_KEY_LENGTH}}})([A-Za-z0-9_-]{{43}})$")
# A browser is unlikely to have more than a couple of forms open; a cookie must stay small.
_MAX_FORMS = 4


def key_for(questionnaire_id: str) -> str:
    """The key a questionnaire's token is filed under in the browser: opaque without the secret."""
    secret = str(current_app.secret_key).encode("utf-8")
    digest = hmac.new(secret, f"held:{questionnaire_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:_KEY_LENGTH]


def _forms() -> dict[str, str]:
    """The report tokens this browser sent, with this request's changes."""
    if "held_forms" not in g:
        held: dict[str, str] = {}
        for entry in request.cookies.get(FORMS_COOKIE, "").split("."):
            match = _ENTRY.match(entry)
            if match:
                held[match.group(1)] = match.group(2)
        g.held_forms = held
    return g.held_forms


def _set_forms(forms: dict[str, str]) -> None:
    g.held_forms = dict(list(forms.items())[-_MAX_FORMS:])
    g.held_forms_changed = True


def token_for(questionnaire: Questionnaire) -> str | None:
    key = key_for(questionnaire.id)
    if questionnaire.is_report:
        return _forms().get(key)
    token = session.get(SURVEYS_KEY, {}).get(key)
    return token if isinstance(token, str) else None


def hold(questionnaire: Questionnaire, token: str) -> None:
    key = key_for(questionnaire.id)
    if questionnaire.is_report:
        forms = {k: v for k, v in _forms().items() if k != key}
        _set_forms({**forms, key: token})
        return
    session.permanent = True
    session[SURVEYS_KEY] = {**session.get(SURVEYS_KEY, {}), key: token}


def release(questionnaire: Questionnaire) -> None:
    """Forget this questionnaire's token (the answers it led to are deleted or submitted)."""
    key = key_for(questionnaire.id)
    if questionnaire.is_report:
        if key in _forms():
            _set_forms({k: v for k, v in _forms().items() if k != key})
        return
    surveys = dict(session.get(SURVEYS_KEY, {}))
    if surveys.pop(key, None) is not None:
        session[SURVEYS_KEY] = surveys


def all_tokens() -> list[str]:
    """Every token this browser holds, surveys' and reports'."""
    surveys = [t for t in session.get(SURVEYS_KEY, {}).values() if isinstance(t, str)]
    return surveys + list(_forms().values())


def release_all() -> None:
    session.pop(SURVEYS_KEY, None)
    _set_forms({})


def _write_forms_cookie(response: Response) -> Response:
    if not g.get("held_forms_changed"):
        return response
    config = current_app.config
    forms = g.held_forms
    if forms:
        # No max_age or expires: the browser forgets it when it closes.
        response.set_cookie(
            FORMS_COOKIE,
            ".".join(key + token for key, token in forms.items()),
            httponly=True,
            samesite="Lax",
            secure=config["SESSION_COOKIE_SECURE"],
        )
    else:
        response.delete_cookie(
            FORMS_COOKIE, httponly=True, samesite="Lax", secure=config["SESSION_COOKIE_SECURE"]
        )
    return response


def init_held(app: Flask) -> None:
    app.after_request(_write_forms_cookie)
