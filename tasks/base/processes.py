"""Killing a process group, the one way every part of the engine does it: a kernel and what it started
(kernel/pool.py), a fork template (kernel/forking.py), an unsandboxed submission (grade/sandbox.py)."""

from __future__ import annotations

import os
import signal


def kill_group(pgid: int | None) -> None:
    """SIGKILL every process of the group `pgid` (a process that called setsid and all it started, unless one
    made a new session itself). Nothing for no group, our own group (never this process) or one already gone."""
    if pgid and pgid != os.getpgrp():
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
