"""Processes as /proc shows them, for tests that check what outlives what (Linux)."""

from __future__ import annotations

import os


def stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name: [state, ppid, ...]; ["gone", "0"] when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return ["gone", "0"]


def parent_of(pid: int) -> int:
    return int(stat(pid)[1])


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    return stat(pid)[0] not in ("gone", "Z")


def children_of(pid: int) -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and parent_of(int(entry)) == pid]


def processes_with(marker: str) -> list[int]:
    """Pids whose command line holds `marker` (the processes a test's submission started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if marker.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def none_left_with(marker: str, seconds: float = 2.0) -> bool:
    """Whether every process with `marker` is gone within `seconds` (killed ones are reaped a moment later)."""
    import time

    deadline = time.monotonic() + seconds
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.01)
    return processes_with(marker) == []
