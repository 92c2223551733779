"""Dates, times and language names as people read them: in the reader's language, in UK time.

One place for the whole app, so that no page formats a date its own way. English reads the UK way
("31 December 2024", "2 December 2026, 12:21pm", as GOV.UK writes them): the locale Babel formats
English with is en_GB (see `i18n.FORMATTING_LOCALES`). Other languages use their own CLDR patterns.
Moments are stored in UTC and shown in Europe/London time, with summer time.

Files for machines (CSV, Excel, JSON) keep ISO 8601 and do not use these.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from flask import Flask
from flask_babel import get_locale

UK_TIME = ZoneInfo("Europe/London")
_FALLBACK_LOCALE = "en_GB"


def _locale() -> Locale:
    return get_locale() or Locale.parse(_FALLBACK_LOCALE)


def uk_time(moment: dt.datetime) -> dt.datetime:
    """A stored moment in UK local time (a moment without a zone is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(UK_TIME)


def _day(value: dt.date | dt.datetime) -> dt.date:
    return uk_time(value).date() if isinstance(value, dt.datetime) else value


def date_text(value: dt.date | dt.datetime | None) -> str:
    """'31 December 2024' (a moment is first put in UK time, so its date is the UK date)."""
    if value is None:
        return ""
    return format_date(_day(value), "long", locale=_locale())


def month_text(value: dt.date | dt.datetime | str | None) -> str:
    """'December 2026', from a date, a moment or a 'YYYY-MM' key."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        year, _sep, month = value.partition("-")
        value = dt.date(int(year), int(month), 1)
    return format_skeleton("yMMMM", _day(value), locale=_locale())


def _time_text(moment: dt.datetime, locale: Locale, seconds: bool) -> str:
    if locale.language == "en":
        # GOV.UK style: 12-hour clock, no space, lower case: 12:21pm.
        pattern = "h:mm:ssa" if seconds else "h:mma"
        return format_time(moment, pattern, locale=locale).lower()
    return format_time(moment, "medium" if seconds else "short", locale=locale)


def datetime_text(moment: dt.datetime | None, *, seconds: bool = False) -> str:
    """'2 December 2026, 12:21pm' in UK time; with ``seconds``, '2 December 2026, 12:21:05pm'."""
    if moment is None:
        return ""
    locale = _locale()
    local = uk_time(moment)
    date = format_date(local.date(), "long", locale=locale)
    time = _time_text(local, locale, seconds)
    return str(locale.datetime_formats["medium"]).replace("{1}", date).replace("{0}", time)


def init_formats(app: Flask) -> None:
    """The helpers as Jinja filters: ``{{ report.submitted_at|datetime_text }}``."""
    from .i18n import language_label

    app.jinja_env.filters.update(
        date_text=date_text,
        datetime_text=datetime_text,
        month_text=month_text,
        language_label=language_label,
    )
