"""Checkpoints between the steps of a release: every git command of a release passes one first.

Tests replace `hook` to fail (or SIGKILL the process) at any chosen checkpoint, so no signature carries
a test-only argument. In normal use `hook` is None and a checkpoint costs one attribute lookup.
"""

from __future__ import annotations

from typing import Callable

hook: Callable[[str], None] | None = None


def checkpoint(step: str) -> None:
    """Mark a point between two steps of a release (`step` names what comes next, e.g. 'git update-ref')."""
    if hook is not None:
        hook(step)
