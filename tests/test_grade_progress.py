"""tasks/grade/progress.py: done/total and ETA; a bar on a terminal, a line every tenth otherwise."""

from __future__ import annotations

import io

from tasks.grade.progress import Progress, bar_line


def test_bar_line_shows_done_total_and_eta():
    assert bar_line("grading", 5, 20, 10.0, width=10) == "grading [##--------] 5/20  ETA 0:30  elapsed 0:10"
    assert bar_line("grading", 0, 3, 0.0, width=4).endswith("0/3  ETA 0:00  elapsed 0:00")


def test_without_a_terminal_it_prints_a_line_every_tenth_and_the_last():
    stream = io.StringIO()
    progress = Progress(25, stream=stream)
    for _ in range(25):
        progress.step()
    lines = stream.getvalue().splitlines()
    assert [line.split("] ")[1].split()[0] for line in lines] == [
        "1/25",
        "3/25",
        "5/25",
        "7/25",
        "9/25",
        "11/25",
        "13/25",
        "15/25",
        "17/25",
        "19/25",
        "21/25",
        "23/25",
        "25/25",
    ]
