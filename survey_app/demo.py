"""Demonstration responses, so a new installation has figures to look at.

The answers are made up, but shaped like a real survey's: older people and
women answer more often, and confidence in Altrincham rises over the two
years, so the staff pages have a trend to show. They are stored with
source "demo" and can be told apart from residents' answers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from .extensions import db
from .models import Response
from .questionnaire import DONT_KNOW, PREFER_NOT_TO_SAY, Question, first_unanswered
from .registry import Published
from .survey import quality
from .survey.store import new_reference, snapshot_for

# Answer more often than their share of the population, as in real surveys.
_AGE_WEIGHTS = {
    "age_16_24": 4,
    "age_25_34": 8,
    "age_35_44": 12,
    "age_45_54": 15,
    "age_55_64": 18,
    "age_65_plus": 25,
    PREFER_NOT_TO_SAY: 2,
}
_SEX_WEIGHTS = {"female": 60, "male": 38, PREFER_NOT_TO_SAY: 2}
_QUARTERS = 8
# Roughly Trafford's main languages (Census 2021), over-sampled a little so each shows in the figures.
_LANGUAGE_WEIGHTS = {
    "en": 860,
    "ur": 40,
    "pl": 20,
    "ar": 12,
    "pa": 12,
    "zh_Hans": 8,
    "zh_Hant": 8,
    "fa": 10,
    "ml": 10,
    "es": 10,
    "gu": 10,
}
# A few responses look like a bot's or a hurried repeat's, so the quality page has something to show.
_FAST_SHARE = 0.01


def _quarter_start(today: dt.date, quarters_ago: int) -> dt.date:
    index = (today.year * 4 + (today.month - 1) // 3) - quarters_ago
    return dt.date(index // 4, (index % 4) * 3 + 1, 1)


def _answer(question: Question, rng: random.Random, confidence: float) -> Any:
    if question.measure:
        positive = [c.value for c in question.choices if c.value in question.measure.positive]
        others = [c.value for c in question.choices if c.value not in question.measure.positive]
        if rng.random() < 0.04 and DONT_KNOW in question.choice_values:
            return DONT_KNOW
        pool = positive if rng.random() < confidence else [v for v in others if v != DONT_KNOW]
        return rng.choice(pool)
    if question.id == "age_band":
        return rng.choices(list(_AGE_WEIGHTS), weights=list(_AGE_WEIGHTS.values()))[0]
    if question.id == "sex":
        return rng.choices(list(_SEX_WEIGHTS), weights=list(_SEX_WEIGHTS.values()))[0]
    if not question.choices:
        return None
    values = [c.value for c in question.choices if c.value not in (DONT_KNOW, PREFER_NOT_TO_SAY)]
    if question.id == "ethnic_group":
        return rng.choices(values, weights=[78, 4, 12, 4, 2][: len(values)])[0]
    return rng.choice(values)


def make_demo_responses(
    published: Published, count: int, seed: int = 2021, today: dt.date | None = None
) -> list[Response]:
    questionnaire = published.questionnaire
    rng = random.Random(seed)  # noqa: S311 - made-up data, not a secret
    today = today or dt.date.today()
    snapshot = snapshot_for(published)
    responses = []
    for _ in range(count):
        quarters_ago = rng.randrange(_QUARTERS)
        start = _quarter_start(today, quarters_ago)
        submitted = dt.datetime.combine(start, dt.time(9), dt.UTC) + dt.timedelta(
            days=rng.randrange(90), minutes=rng.randrange(12 * 60)
        )
        submitted = min(submitted, dt.datetime.now(dt.UTC))
        answers: dict[str, Any] = {}
        town = rng.choices(
            ["altrincham", "sale", "stretford", "urmston", "partington", "other"],
            weights=[28, 26, 18, 14, 6, 8],
        )[0]
        # Altrincham starts near the 56% baseline and rises over the two years.
        trend = (_QUARTERS - 1 - quarters_ago) / (_QUARTERS - 1)
        confidence = 0.55 + 0.07 * trend if town == "altrincham" else 0.5 + rng.uniform(-0.05, 0.05)
        # Answer question by question, as a respondent would, so routing applies.
        while (question := first_unanswered(questionnaire, answers)) is not None:
            is_town = question.id == "town_centre"
            answers[question.id] = town if is_town else _answer(question, rng, confidence)
        fast = rng.random() < _FAST_SHARE
        started = submitted - (
            dt.timedelta(seconds=rng.randint(8, 15)) if fast else dt.timedelta(minutes=rng.randint(3, 9))
        )
        responses.append(
            Response(
                reference=new_reference(),
                questionnaire_version_id=snapshot.id,
                questionnaire_id=questionnaire.id,
                questionnaire_version=questionnaire.version,
                language=rng.choices(list(_LANGUAGE_WEIGHTS), weights=list(_LANGUAGE_WEIGHTS.values()))[0],
                answers=answers,
                started_at=started,
                submitted_at=submitted,
                source="demo",
                answers_hash=quality.answers_hash(answers),
                quality_flags=(flags := quality.flags_for(answers, started, submitted, [])),
                flagged=bool(flags),
            )
        )
    return responses


def seed_demo(published: Published, count: int) -> int:
    """Add demo responses unless there are some already. Returns how many were added."""
    existing = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .filter_by(source="demo", questionnaire_id=published.questionnaire.id)
    )
    if existing:
        return 0
    responses = make_demo_responses(published, count)
    db.session.add_all(responses)
    db.session.commit()
    return len(responses)


DEMO_ACCOUNTS = (
    ("analyst@demo.invalid", "Demo analyst", ("analyst",)),
    ("caseworker@demo.invalid", "Demo caseworker", ("caseworker",)),
    ("admin@demo.invalid", "Demo administrator", ("admin",)),
)


def reset_demo_accounts() -> list[tuple[str, str, tuple[str, ...]]]:
    """Create the demo staff accounts, or give them new passwords; returns (email, password, roles).

    The passwords are new each time, so a demo database copied elsewhere is not open to anyone who
    has read this file. Development only: the command refuses in production.
    """
    import secrets

    from .staff.models import User
    from .staff.passwords import hash_password

    out: list[tuple[str, str, tuple[str, ...]]] = []
    for email, name, roles in DEMO_ACCOUNTS:
        password = "-".join(secrets.token_hex(3) for _ in range(4))
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash="")
            db.session.add(user)
        user.roles = set(roles)
        user.password_hash = hash_password(password)
        user.active = True
        out.append((email, password, roles))
    db.session.commit()
    return out
