"""The site secret behind pseudonyms, date shifts, hashes and the re-identification mapping.

It comes from the settings: ``deid_secret`` in ``config.toml`` or the ``KARTE_DEID_SECRET``
environment variable. Operators that need it refuse to run without it.
"""

from __future__ import annotations

import hashlib
import hmac

from karte.config import Settings
from karte.errors import ConfigError

MIN_SECRET_LENGTH = 16


def site_secret(settings: Settings, operator: str) -> bytes:
    """The configured secret as bytes; a :class:`ConfigError` naming the fix when it is missing."""
    value = settings.deid_secret.get_secret_value() if settings.deid_secret is not None else ""
    if not value:
        raise ConfigError(
            f"操作 {operator} には匿名化用の秘密鍵が必要です。環境変数 KARTE_DEID_SECRET か設定ファイルの "
            f"deid_secret に {MIN_SECRET_LENGTH} 文字以上のランダムな文字列を設定してください "
            f"(operator {operator!r} needs a de-identification secret: set KARTE_DEID_SECRET or deid_secret)",
            field="operator",
            type="deid_secret_missing",
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"匿名化用の秘密鍵が短すぎます ({len(value)} 文字、{MIN_SECRET_LENGTH} 文字以上必要) "
            f"(the de-identification secret is too short)",
            field="deid_secret",
            type="deid_secret_too_short",
        )
    return value.encode("utf-8")


def keyed_digest(secret: bytes, *parts: str) -> bytes:
    """HMAC-SHA256 of the parts (joined unambiguously) under ``secret``."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()


def keyed_int(secret: bytes, *parts: str) -> int:
    return int.from_bytes(keyed_digest(secret, *parts)[:8], "big")


def date_offset_days(secret: bytes, patient_key: str) -> int:
    """The patient's date shift: a non-zero number of days in [-365, 365], fixed by secret and patient."""
    n = keyed_int(secret, "date-shift", patient_key) % 730
    return n - 365 if n < 365 else n - 364
