"""Memorable words: how they are checked, kept (argon2id, like staff passwords) and compared."""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

from ..staff.passwords import hash_password, verify_password

MIN_LENGTH = 6
# Long enough for a phrase; short enough that hashing cannot be used to tie up the server.
MAX_LENGTH = 100


def normalise(word: str) -> str:
    """The word as compared: the same however it was typed (capitals, spaces, a phone's keyboard
    giving another form of the same letter), since a person must be able to type it again."""
    return " ".join(unicodedata.normalize("NFKC", word).casefold().split())


def word_problem(word: str, again: str) -> str | None:
    """What is wrong with a new memorable word and its repetition, in words for the person."""
    chosen = normalise(word)
    if not chosen:
        return _("Enter a memorable word")
    if len(chosen) < MIN_LENGTH:
        return _("Your memorable word must be at least %(count)s characters long", count=MIN_LENGTH)
    if len(chosen) > MAX_LENGTH:
        return _("Your memorable word must be %(count)s characters or fewer", count=MAX_LENGTH)
    if normalise(again) != chosen:
        return _("The two memorable words are not the same: type it again in both boxes")
    return None


def hash_word(word: str) -> str:
    return hash_password(normalise(word))


def word_matches(word_hash: str | None, word: str) -> bool:
    """Whether the word matches; takes as long when there is no word to match (`word_hash` None)."""
    typed = normalise(word)[: MAX_LENGTH * 2]
    matches, _new_hash = verify_password(word_hash, typed)
    return matches
