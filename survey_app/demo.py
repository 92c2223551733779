"""Demonstration responses, so a new installation has figures to look at.

The answers are made up, but shaped like a real survey's: older people and women answer more often
(on a weighting question asking age or sex in the usual codes), and confidence (every measure)
rises over the two years in the questionnaire's first place (the first choice of its area question;
everywhere, when it has none), so the staff pages have a trend to show. They are stored with source
"demo" and can be told apart from residents' answers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from .extensions import db
from .models import Response
from .questionnaire import DONT_KNOW, PREFER_NOT_TO_SAY, Question, Questionnaire, first_unanswered
from .questionnaire.types import type_of
from .registry import Published
from .survey import quality
from .survey.store import new_reference, snapshot_for

# How often demo respondents give each answer of a weighting question, found by the question's
# answer codes (all of them, or all but "don't know" and "prefer not to say", which are then never
# drawn): older people and women answer more often than their share of the population, as in real
# surveys. A weighting question with other codes is answered evenly.
_WEIGHTING_ANSWER_SHARES = (
    {
        "age_16_24": 4,
        "age_25_34": 8,
        "age_35_44": 12,
        "age_45_54": 15,
        "age_55_64": 18,
        "age_65_plus": 25,
        PREFER_NOT_TO_SAY: 2,
    },
    {"female": 60, "male": 38, PREFER_NOT_TO_SAY: 2},
    {"white": 78, "mixed": 4, "asian": 12, "black": 4, "other": 2},
)
# How demo respondents spread over the area question's places, the first the busiest (any place
# beyond these takes the last share), and over its answers that name no place ("none", say).
_PLACE_SHARES = (28, 26, 18, 14, 6)
_NOT_A_PLACE_SHARE = 8
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


def _weighting_shares(question: Question) -> dict[str, int] | None:
    codes = set(question.choice_values)
    own = codes - {DONT_KNOW, PREFER_NOT_TO_SAY}
    return next((shares for shares in _WEIGHTING_ANSWER_SHARES if set(shares) in (codes, own)), None)


def _answer(question: Question, rng: random.Random, confidence: float) -> Any:
    if question.measure and question.measure.is_mean:
        return type_of(question).example(question, rng)  # a number within the question's bounds
    if question.measure:
        positive = [c.value for c in question.choices if c.value in question.measure.positive]
        others = [c.value for c in question.choices if c.value not in question.measure.positive]
        if rng.random() < 0.04 and DONT_KNOW in question.choice_values:
            return DONT_KNOW
        pool = positive if rng.random() < confidence else [v for v in others if v != DONT_KNOW]
        return rng.choice(pool)
    shares = _weighting_shares(question) if question.weighting_variable else None
    if shares is not None:
        return rng.choices(list(shares), weights=list(shares.values()))[0]
    return type_of(question).example(question, rng)


def _place_shares(questionnaire: Questionnaire) -> dict[str, int]:
    """Each answer to the area question and how often demo respondents give it."""
    area = questionnaire.area_question
    if area is None:
        return {}
    places = [c.value for c in questionnaire.places]
    return {
        c.value: _PLACE_SHARES[min(places.index(c.value), len(_PLACE_SHARES) - 1)]
        if c.value in places
        else _NOT_A_PLACE_SHARE
        for c in area.choices
    }


def make_demo_responses(
    published: Published, count: int, seed: int = 2021, today: dt.date | None = None
) -> list[Response]:
    questionnaire = published.questionnaire
    rng = random.Random(seed)  # noqa: S311 - made-up data, not a secret
    today = today or dt.date.today()
    snapshot = snapshot_for(published)
    area = questionnaire.area_question
    place_shares = _place_shares(questionnaire)
    rising = questionnaire.places[0].value if questionnaire.places else None
    languages = {code: n for code, n in _LANGUAGE_WEIGHTS.items() if questionnaire.offered_in(code)}
    responses = []
    for _ in range(count):
        quarters_ago = rng.randrange(_QUARTERS)
        start = _quarter_start(today, quarters_ago)
        submitted = dt.datetime.combine(start, dt.time(9), dt.UTC) + dt.timedelta(
            days=rng.randrange(90), minutes=rng.randrange(12 * 60)
        )
        submitted = min(submitted, dt.datetime.now(dt.UTC))
        answers: dict[str, Any] = {}
        place = rng.choices(list(place_shares), weights=list(place_shares.values()))[0] if area else None
        # The first place (everyone, without an area question) starts near the 56% baseline of the
        # shipped target and rises over the two years.
        trend = (_QUARTERS - 1 - quarters_ago) / (_QUARTERS - 1)
        confidence = 0.55 + 0.07 * trend if place == rising else 0.5 + rng.uniform(-0.05, 0.05)
        # Answer question by question, as a respondent would, so routing applies.
        while (question := first_unanswered(questionnaire, answers)) is not None:
            answers[question.id] = place if question is area else _answer(question, rng, confidence)
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
                language=rng.choices(list(languages), weights=list(languages.values()))[0],
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
    ("dataowner@demo.invalid", "Demo data owner", ("data_owner",)),
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
        if "data_owner" in roles:
            _own_demo_kpis(user)
    db.session.commit()
    return out


# The demo data owner enters the police's figures: the super-victim cohort and special constables.
DEMO_OWNED_KPIS = ("super_victim_repeats", "special_constables")


def _own_demo_kpis(user: Any) -> None:
    from .kpis.models import KpiOwner

    db.session.flush()
    owned = set(db.session.scalars(sa.select(KpiOwner.kpi_id).where(KpiOwner.user_id == user.id)))
    db.session.add_all(KpiOwner(user_id=user.id, kpi_id=k) for k in DEMO_OWNED_KPIS if k not in owned)
