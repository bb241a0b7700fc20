"""Password hashing with Argon2id (argon2-cffi's defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from karte.auth.permissions import security_policy
from karte.errors import InputError

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so that the answer takes as long.
_DUMMY_HASH = _hasher.hash("karte-no-such-user")


def check_password_rules(password: str) -> str:
    minimum = security_policy().password_min_length
    if len(password) < minimum:
        raise InputError(
            f"パスワードは {minimum} 文字以上にしてください"
            f" (password must have at least {minimum} characters)",
            field="password",
        )
    if password.strip() != password:
        raise InputError(
            "パスワードの前後に空白を入れないでください (no leading or trailing spaces)", field="password"
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password_rules(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with ``stored_hash=None`` spends the same time and says no."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def rehash(password: str) -> str:
    """A new hash of an accepted password (no rules: they were checked when it was set)."""
    return _hasher.hash(password)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
