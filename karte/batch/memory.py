"""Resident memory of this process: now (``/proc/self/statm``) and at its peak (``getrusage``)."""

from __future__ import annotations

import os
import resource
import sys

MIB = 1 << 20


def peak_rss() -> int:
    """Peak resident set size of this process in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def current_rss() -> int:
    """Resident set size of this process now, in bytes (the peak where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return peak_rss()
