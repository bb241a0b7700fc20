"""Work around a llama.cpp crash on CPUs that advertise AMX inside virtual machines.

llama.cpp built for a CPU with AMX puts quantised weights into an AMX "extra buffer"; on machines
where the hypervisor does not enable AMX tile state (seen here: ``ldtilecfg`` faults with SIGSEGV on
any prompt of more than one token) the process dies. llama-cpp-python does not expose the model
parameter ``use_extra_bufts``, so while a model loads we wrap ``llama_model_default_params`` to turn
extra buffer types off when the CPU reports AMX. ``KARTE_LLAMA_EXTRA_BUFFERS=1`` forces them on
(for machines where AMX works and the extra speed matters).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

_PATCH_LOCK = threading.Lock()
FORCE_ENV = "KARTE_LLAMA_EXTRA_BUFFERS"


@lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("flags") and " amx_tile" in line for line in text.splitlines())


def extra_buffers_allowed() -> bool:
    forced = os.environ.get(FORCE_ENV)
    if forced is not None:
        return forced.strip() not in ("", "0", "false", "no")
    return not cpu_has_amx()


@contextlib.contextmanager
def safe_model_params() -> Iterator[None]:
    """Within this block, ``Llama(...)`` loads without extra buffer types where they are unsafe."""
    import llama_cpp.llama as llama_module

    if extra_buffers_allowed():
        yield
        return
    with _PATCH_LOCK:
        original = llama_module.llama_cpp.llama_model_default_params
        llama_module.llama_cpp.llama_model_default_params = _without_extra_buffers(original)
        try:
            yield
        finally:
            llama_module.llama_cpp.llama_model_default_params = original


def patch_for_process() -> None:
    """Apply the workaround for the rest of this process (used by :mod:`karte.llm.llama_server`)."""
    import llama_cpp.llama as llama_module

    if extra_buffers_allowed():
        return
    original = llama_module.llama_cpp.llama_model_default_params
    llama_module.llama_cpp.llama_model_default_params = _without_extra_buffers(original)


def _without_extra_buffers(original: Callable[[], Any]) -> Callable[[], Any]:
    def default_params() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    return default_params
