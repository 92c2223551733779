"""What a browser holds of the surveys and reports it has in progress: one random token each.

Nothing a browser holds may name what is being answered: someone checking a phone can decode
the session cookie. So each token is filed under a key made from the questionnaire id with the
app's secret, which tells nothing to anyone without the secret.

A survey's tokens stay in the session cookie for as long as the survey does (a day idle). A
report's live in a cookie of their own with no expiry date, which the browser deletes when it
closes: a report in progress must not outlast the visit that began it. Its keys are also made
with a random salt of that browser's own, kept in the cookie, so that the same form does not
give every browser the same key: a key seen on one phone says nothing about another.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from flask import Flask, Response, current_app, g, request, session

from ..questionnaire import Questionnaire

SURVEYS_KEY = "surveys"
FORMS_COOKIE = "sts_form"
_KEY_LENGTH = 16
_OPAQUE_KEY = re.compile(rf"^[0-9a-f]{{{_KEY_LENGTH}}}$")
# A key and a token (secrets.token_urlsafe(32): 43 URL-safe characters); entries joined by ".".
_ENTRY = re.compile(rf"^([0-9a-f]{{{_KEY_LENGTH}}})([A-Za-z0-9_-]{{43}})$")
# A browser is unlikely to have more than a couple of forms open; a cookie must stay small.
_MAX_FORMS = 4


def key_for(questionnaire_id: str, salt: str = "") -> str:
    """The key a questionnaire's token is filed under in the browser: opaque without the secret."""
    secret = str(current_app.secret_key).encode("utf-8")
    digest = hmac.new(secret, f"held:{salt}:{questionnaire_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:_KEY_LENGTH]


def _held_id(questionnaire: Questionnaire) -> str:
    # An administrator previewing a draft holds it apart from the published survey of the same id.
    return f"preview:{questionnaire.id}" if g.get("previewing") else questionnaire.id


def opaque_only(held: object) -> dict[str, str]:
    """Only the entries filed under opaque keys: an older release filed them under the
    questionnaire's id, and that must not be carried forward into a cookie sent again."""
    if not isinstance(held, Mapping):
        return {}
    return {
        k: v for k, v in held.items() if isinstance(k, str) and _OPAQUE_KEY.match(k) and isinstance(v, str)
    }


def _forms() -> tuple[str, dict[str, str]]:
    """This browser's salt and report tokens, with this request's changes."""
    if "held_forms" not in g:
        salt, *entries = request.cookies.get(FORMS_COOKIE, "").split(".")
        held: dict[str, str] = {}
        if _OPAQUE_KEY.match(salt):
            for entry in entries:
                match = _ENTRY.match(entry)
                if match:
                    held[match.group(1)] = match.group(2)
        else:
            salt = secrets.token_hex(_KEY_LENGTH // 2)
        g.held_salt, g.held_forms = salt, held
    return g.held_salt, g.held_forms


def _set_forms(forms: dict[str, str]) -> None:
    g.held_forms = dict(list(forms.items())[-_MAX_FORMS:])
    g.held_forms_changed = True


def token_for(questionnaire: Questionnaire) -> str | None:
    if questionnaire.is_report:
        salt, forms = _forms()
        return forms.get(key_for(_held_id(questionnaire), salt))
    return opaque_only(session.get(SURVEYS_KEY)).get(key_for(_held_id(questionnaire)))


def hold(questionnaire: Questionnaire, token: str) -> None:
    if questionnaire.is_report:
        salt, forms = _forms()
        key = key_for(_held_id(questionnaire), salt)
        _set_forms({**{k: v for k, v in forms.items() if k != key}, key: token})
        return
    session.permanent = True
    session[SURVEYS_KEY] = {**opaque_only(session.get(SURVEYS_KEY)), key_for(_held_id(questionnaire)): token}


def release(questionnaire: Questionnaire) -> None:
    """Forget this questionnaire's token (the answers it led to are deleted or submitted)."""
    if questionnaire.is_report:
        salt, forms = _forms()
        key = key_for(_held_id(questionnaire), salt)
        if key in forms:
            _set_forms({k: v for k, v in forms.items() if k != key})
        return
    surveys = opaque_only(session.get(SURVEYS_KEY))
    if surveys.pop(key_for(_held_id(questionnaire)), None) is not None:
        session[SURVEYS_KEY] = surveys


def all_tokens() -> list[str]:
    """Every token this browser holds, surveys' and reports', under any key."""
    held = session.get(SURVEYS_KEY)
    surveys = [t for t in held.values() if isinstance(t, str)] if isinstance(held, Mapping) else []
    return surveys + list(_forms()[1].values())


def release_all() -> None:
    session.pop(SURVEYS_KEY, None)
    _set_forms({})


def _write_forms_cookie(response: Response) -> Response:
    if not g.get("held_forms_changed"):
        return response
    config = current_app.config
    salt, forms = g.held_salt, g.held_forms
    if forms:
        # No max_age or expires: the browser forgets it when it closes.
        response.set_cookie(
            FORMS_COOKIE,
            ".".join([salt, *(key + token for key, token in forms.items())]),
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
