"""Decoding of clinical text files: UTF-8/16, Shift_JIS, EUC-JP, ISO-2022-JP, and binary refusal."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from karte.errors import InputError
from karte.records.encoding import decode_bytes, decode_line, is_utf8, read_text_file

NOTE = "【主訴】\n胸痛。心窩部の違和感あり。\n【現病歴】\n2024年3月1日より咳嗽、ｸﾚｱﾁﾆﾝ 0.8 mg/dL。"


def test_utf8_plain_and_with_bom() -> None:
    assert decode_bytes(NOTE.encode("utf-8"), source="a.txt") == (NOTE, "utf-8")
    text, enc = decode_bytes(codecs.BOM_UTF8 + NOTE.encode("utf-8"), source="a.txt")
    assert text == NOTE  # the BOM is not part of the text
    assert enc == "utf-8-sig" and is_utf8(enc)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text, enc = decode_bytes(bom + NOTE.encode(codec), source="a.txt")
    assert text == NOTE
    assert enc == "utf-16" and not is_utf8(enc)


def test_shift_jis_is_converted() -> None:
    # NEC/IBM extensions (①, ㈱, 髙) exist only in CP932, the Shift_JIS that Windows writes.
    note = NOTE + "\n① 髙橋様 ㈱検査センター"
    text, enc = decode_bytes(note.encode("cp932"), source="sjis.txt")
    assert text == note
    assert enc == "cp932" and not is_utf8(enc)


def test_euc_jp_is_not_mistaken_for_cp932() -> None:
    note = "患者は胸痛を訴えた。経過良好にて退院。"
    data = note.encode("euc_jp")
    data.decode("cp932")  # the trap: EUC-JP bytes are also valid CP932 (as mojibake)
    assert decode_bytes(data, source="euc.txt") == (note, "euc_jp")


def test_iso2022_jp() -> None:
    note = "退院時サマリー：経過良好。"
    assert decode_bytes(note.encode("iso2022_jp"), source="jis.txt") == (note, "iso2022_jp")


def test_empty_data_decodes_to_empty_text() -> None:
    assert decode_bytes(b"", source="empty.txt") == ("", "utf-8")


def test_nul_bytes_are_binary() -> None:
    with pytest.raises(InputError) as err:
        decode_bytes(b"PK\x03\x04\x00\x00garbage", source="scan.txt")
    assert err.value.type == "binary_data"
    assert "scan.txt" in err.value.message and "バイナリ" in err.value.message and "(" in err.value.message


def test_random_bytes_without_nul_are_refused() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(1, 256) for _ in range(4000))
    with pytest.raises(InputError) as err:
        decode_bytes(data, source="noise.txt")
    assert "noise.txt" in err.value.message


def test_undecodable_without_control_characters_names_source() -> None:
    # 0x80 and 0xFD-0xFF are undefined in CP932 and invalid as UTF-8 starts.
    with pytest.raises(InputError) as err:
        decode_bytes(("カルテ" * 20).encode("utf-8")[:-1] + b"\xff\xfd\x80" * 40, source="odd.txt")
    assert err.value.type == "encoding_error"
    assert "odd.txt" in err.value.message


def test_read_text_file(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(NOTE.encode("cp932"))
    assert read_text_file(path) == (NOTE, "cp932")
    with pytest.raises(InputError) as err:
        read_text_file(tmp_path / "missing.txt")
    assert err.value.type == "not_found" and "missing.txt" in err.value.message


def test_decode_line() -> None:
    assert decode_line(codecs.BOM_UTF8 + '{"a": "胸痛"}\r\n'.encode(), source="f.jsonl", line=1) == (
        '{"a": "胸痛"}',
        "utf-8",
    )
    # A BOM is only expected at the start of the file.
    assert decode_line(codecs.BOM_UTF8 + b"{}\n", source="f.jsonl", line=2)[0] == "\ufeff{}"
    assert decode_line('{"a": "胸痛"}\n'.encode("cp932"), source="f.jsonl", line=3) == (
        '{"a": "胸痛"}',
        "cp932",
    )
    with pytest.raises(InputError) as err:
        decode_line(b'{"a": "\xff\xfe\x80"}\n', source="f.jsonl", line=17)
    assert "f.jsonl line 17" in err.value.message
    with pytest.raises(InputError):
        decode_line(b'{"a": "\x00"}\n', source="f.jsonl", line=2)
