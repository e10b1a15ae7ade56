"""coursebuild for TinyTorch: the doit task graph. `doit list` explains every task.

Configuration lives in course.yaml; the engine in tasks/ (the task kinds: tasks/graph/kinds.py). This file
only wires them together for doit's command line.
"""

import sys
from pathlib import Path

from tasks.graph.boot import boot
from tasks.graph.kinds import doit_creators

BOOTED = boot(Path(__file__).resolve().parent, sys.argv[1:])  # the arguments doit was started with
DOIT_CONFIG = BOOTED.config
globals().update(doit_creators(BOOTED.course, BOOTED.paths))
