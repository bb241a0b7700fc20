"""Decode clinical text files: UTF-8 (with or without BOM), UTF-16 with BOM, and Japanese legacy encodings.

Hospital systems in Japan still write Shift_JIS (in practice Microsoft's CP932). The order of attempts is:

1. a byte-order mark decides (UTF-8 BOM → ``utf-8-sig``, UTF-16 BOM → ``utf-16``);
2. data with NUL bytes is binary (UTF-16 without a BOM is not supported) → :class:`InputError`;
3. strict UTF-8 (``utf-8``); ISO-2022-JP escape sequences are recognised (``iso2022_jp``);
4. strict CP932 (``cp932``), unless the data is also valid EUC-JP and only the EUC-JP reading has
   hiragana or full-width katakana (EUC-JP bytes read as CP932 give half-width katakana) → ``euc_jp``;
5. charset-normalizer, accepted only when it names a Japanese encoding (EUC-JP, ISO-2022-JP …);
6. otherwise the data is binary or in an unsupported encoding → :class:`InputError`.

Text that decodes but consists largely of control characters is refused as binary too. Every error
message names the source (a path, or ``path line N``).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from karte.errors import InputError

UTF8 = "utf-8"
UTF8_SIG = "utf-8-sig"
UTF16 = "utf-16"
CP932 = "cp932"

# Python codec names (as charset-normalizer reports them) of Japanese encodings.
JAPANESE_ENCODINGS = frozenset(
    {
        "cp932",
        "shift_jis",
        "shift_jis_2004",
        "shift_jisx0213",
        "euc_jp",
        "euc_jis_2004",
        "euc_jisx0213",
        "iso2022_jp",
        "iso2022_jp_1",
        "iso2022_jp_2",
        "iso2022_jp_2004",
        "iso2022_jp_3",
        "iso2022_jp_ext",
    }
)

_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_RATIO = 0.05
_KANA_FULLWIDTH = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")  # hiragana, katakana
_CP932_UNDEFINED = re.compile(r"[\x80\uf8f0-\uf8f3]")
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")


def is_utf8(encoding: str) -> bool:
    """True for the names :func:`decode_bytes` gives UTF-8 text (no conversion worth a warning)."""
    return encoding in (UTF8, UTF8_SIG)


def describe_encoding(encoding: str) -> str:
    """A human name for an encoding, e.g. ``Shift_JIS (CP932)``."""
    return {CP932: "Shift_JIS (CP932)", "euc_jp": "EUC-JP", "iso2022_jp": "ISO-2022-JP", UTF16: "UTF-16"}.get(
        encoding, encoding
    )


def _binary_error(source: str, why: str) -> InputError:
    return InputError(
        f"{source}: バイナリデータのようです。テキストファイルではありません ({why}: not a text file)",
        type="binary_data",
    )


def _looks_binary(data: bytes) -> bool:
    if not data:
        return False
    return len(_CONTROL.findall(data)) / len(data) > _CONTROL_RATIO


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _cp932(data: bytes) -> str | None:
    """Strict CP932, also refusing the single bytes 0x80, 0xA0, 0xFD-0xFF that Python's codec lets through."""
    text = _strict(data, CP932)
    return None if text is None or _CP932_UNDEFINED.search(text) else text


def decode_bytes(data: bytes, *, source: str) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; raise :class:`InputError` naming ``source``.

    ``encoding`` is a Python codec name: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp932``, ``euc_jp`` …
    Empty data decodes to ``""`` (callers decide whether empty text is acceptable).
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[len(codecs.BOM_UTF8) :], UTF8)
        if text is None:
            raise InputError(
                f"{source}: UTF-8 の BOM がありますが UTF-8 として読めません "
                "(has a UTF-8 BOM but is not valid UTF-8)",
                type="encoding_error",
            )
        return text, UTF8_SIG
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, UTF16)
        if text is None or "\x00" in text:
            raise InputError(
                f"{source}: UTF-16 の BOM がありますが UTF-16 として読めません "
                "(has a UTF-16 BOM but is not valid UTF-16)",
                type="encoding_error",
            )
        return text, UTF16
    if b"\x00" in data:
        raise _binary_error(source, "contains NUL bytes")
    if _looks_binary(data):
        raise _binary_error(source, "too many control characters")
    text = _strict(data, UTF8)
    if text is not None:
        if any(esc in data for esc in _ISO2022_ESCAPES):
            jis = _strict(data, "iso2022_jp")
            if jis is not None:
                return jis, "iso2022_jp"
        return text, UTF8
    text = _cp932(data)
    if text is not None:
        euc = _strict(data, "euc_jp")
        if euc is not None and not _KANA_FULLWIDTH.search(text) and _KANA_FULLWIDTH.search(euc):
            return euc, "euc_jp"  # EUC-JP bytes also decode as CP932 (as half-width katakana and kanji)
        return text, CP932
    best = from_bytes(data).best()
    if best is not None and best.encoding in JAPANESE_ENCODINGS:
        return str(best), best.encoding
    raise InputError(
        f"{source}: 文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。"
        "バイナリファイルではありませんか "
        "(cannot decode: not UTF-8, UTF-16 with BOM, Shift_JIS/CP932 or another Japanese encoding; "
        "binary file?)",
        type="encoding_error",
    )


def read_text_file(path: Path | str) -> tuple[str, str]:
    """Read and decode a text file (see :func:`decode_bytes`); return ``(text, encoding)``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{p}: ファイルが見つかりません (file not found)", type="not_found") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{p}: ファイルではなくフォルダです (is a directory)") from exc
    except OSError as exc:
        raise InputError(f"{p}: ファイルを読めません (cannot read file: {exc.strerror})") from exc
    return decode_bytes(data, source=str(p))


def decode_line(raw: bytes, *, source: str, line: int) -> tuple[str, str]:
    """Decode one line of a line-oriented file (JSONL, NDJSON); return ``(text, encoding)``.

    Strict UTF-8 first (a UTF-8 BOM is dropped on line 1), then strict CP932, so that a whole
    Shift_JIS file can be read line by line. A line that is neither raises :class:`InputError`
    naming ``source`` and the line, so callers report that line alone and go on with the next.
    Trailing ``\\r\\n`` / ``\\n`` is removed.
    """
    where = f"{source} line {line}"
    if line == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    raw = raw.rstrip(b"\r\n")
    if b"\x00" in raw:
        raise _binary_error(where, "contains NUL bytes")
    try:
        return raw.decode(UTF8), UTF8
    except UnicodeDecodeError as exc:
        utf8_error = exc
    text = _cp932(raw)
    if text is not None and not _looks_binary(raw):
        return text, CP932
    raise InputError(
        f"{where}: UTF-8 として読めません ({utf8_error.start} バイト目付近)。"
        "Shift_JIS (CP932) としても読めません "
        f"(not valid UTF-8 near byte {utf8_error.start}, nor Shift_JIS/CP932)",
        type="encoding_error",
    )
