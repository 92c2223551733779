"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that hashing cannot be used to tie up the server.
MAX_LENGTH = 256

# argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, 64 MiB, 3 passes).
# When they change, check_needs_rehash sees it and the hash is replaced at the next sign-in.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when there is no account, so that a wrong email takes as long as a wrong password."""
    return _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a new hash to store when the parameters have changed."""
    try:
        _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if password_hash is None:
        return False, None
    if _hasher.check_needs_rehash(password_hash):
        return True, _hasher.hash(password)
    return True, None


def password_problems(password: str, email: str) -> list[str]:
    """What is wrong with a new password, in words for the person choosing it."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("The password must be at least %(count)s characters long.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("The password must be %(count)s characters or fewer.", count=MAX_LENGTH))
    if email and password.strip().lower() == email.strip().lower():
        problems.append(_("The password must not be the email address."))
    return problems
