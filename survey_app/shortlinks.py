"""Short links for posters: /s/<survey> and /s/<survey>/<place>.

A poster in Altrincham carries /s/<survey>/altrincham (and its QR code); the link remembers the
place in the session, so the response records which poster brought it (its `channel`), and then
opens the survey's own start page. The places are the survey's: the choices of its area question
that name a place. A survey without an area question has the one link, to the survey.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, session, url_for

from .questionnaire import Questionnaire
from .registry import published_at
from .survey.held import key_for, opaque_only

bp = Blueprint("short", __name__, url_prefix="/s")

CHANNEL_KEY = "channels"  # read by the survey routes when a survey starts


def poster_places(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(code, label) of each place a poster can name: the survey's places."""
    return [(c.value, c.label) for c in questionnaire.places]


@bp.get("/<slug>", endpoint="survey")
@bp.get("/<slug>/<place>", endpoint="place")
def follow(slug: str, place: str | None = None):
    published = published_at(slug, "survey")
    if published is None:
        abort(404)
    questionnaire = published.questionnaire
    channels = opaque_only(session.get(CHANNEL_KEY))
    if place is not None:
        if place not in dict(poster_places(questionnaire)):
            abort(404)
        channels[key_for(questionnaire.id)] = place
    else:
        channels.pop(key_for(questionnaire.id), None)
    session[CHANNEL_KEY] = channels
    return redirect(url_for("survey.start", slug=slug))
