"""tasks/kernel/tracebacks.py: the notebook frames of a kernel's traceback."""

from __future__ import annotations

from tasks.kernel.tracebacks import cell_frames, plain

IPYTHON_9 = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mAssertionError\x1b[39m                            Traceback (most recent call last)",
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[3]\x1b[39m\x1b[32m, line 6\x1b[39m\n\x1b[32m----> \x1b[39m\x1b[32m6\x1b[39m     test_unit_double()\n",
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[2]\x1b[39m\x1b[32m, line 2\x1b[39m, in \x1b[36mtest_unit_double\x1b[39m\x1b[34m()\x1b[39m\n",
    "File \x1b[32m/x/numpy/core.py:12\x1b[39m, in \x1b[36mf\x1b[39m\n",
    "\x1b[31mAssertionError\x1b[39m: ",
]


def test_cell_frames_outermost_first_without_library_frames():
    assert cell_frames(IPYTHON_9) == [(3, 6), (2, 2)]
    assert "\x1b" not in plain(IPYTHON_9)


def test_older_ipython_input_frames_are_read_too():
    assert cell_frames(["  File <ipython-input-4-abc123>:7, in <module>\n"]) == [(4, 7)]


def test_no_frames_in_a_traceback_without_cells():
    assert cell_frames(["KeyboardInterrupt: "]) == []
