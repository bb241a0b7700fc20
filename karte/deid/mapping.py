"""The optional encrypted re-identification mapping (original ↔ replacement for each span).

Encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) under a key
derived from the site secret, so only someone who holds the secret can read it back. The mapping
travels with the output as one opaque token; :func:`decrypt_mapping` turns it back into rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from karte.deid.operators import Replacement
from karte.deid.secret import keyed_digest
from karte.errors import ConfigError, InputError

MAPPING_VERSION = 1


class MappingRow(BaseModel):
    start: int
    end: int
    type: str
    original: str
    replacement: str
    out_start: int
    out_end: int


def _fernet(secret: bytes) -> Any:
    try:
        from cryptography.fernet import Fernet
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "再識別用マッピングの暗号化には cryptography パッケージが必要です "
            "(the encrypted mapping needs the 'cryptography' package: pip install cryptography)",
            field="mapping",
        ) from exc
    key = base64.urlsafe_b64encode(keyed_digest(secret, "karte-deid-mapping", str(MAPPING_VERSION)))
    return Fernet(key)


def encrypt_mapping(secret: bytes, document: str, rows: Sequence[Replacement]) -> str:
    payload = {
        "v": MAPPING_VERSION,
        "document": document,
        "rows": [MappingRow(**vars(r)).model_dump() for r in rows],
    }
    token: bytes = _fernet(secret).encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return token.decode("ascii")


def decrypt_mapping(secret: bytes, token: str) -> tuple[str, list[MappingRow]]:
    """``(document id, rows)`` of a mapping token; an :class:`InputError` if the secret does not fit."""
    from cryptography.fernet import InvalidToken

    try:
        data = json.loads(_fernet(secret).decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise InputError(
            "マッピングを復号できません: 秘密鍵が違うか、データが壊れています "
            "(cannot decrypt the mapping: wrong secret or damaged token)",
            field="mapping",
        ) from exc
    return str(data["document"]), [MappingRow.model_validate(r) for r in data["rows"]]
