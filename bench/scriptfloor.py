"""The script floor: each module's solution run as a plain `python` script, one after the other.

    python bench/scriptfloor.py COURSE SOURCE.py...

Each source (the percent-format .py: the solution with its markup as comments) runs as `python SOURCE.py`
(so its `if __name__ == "__main__":` blocks run) with PYTHONPATH at the course root, where the build exported
the `tinytorch` package the modules import. Exits non-zero, naming the module, if one fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    course, sources = Path(sys.argv[1]).resolve(), sys.argv[2:]
    env = {**os.environ, "PYTHONPATH": str(course)}
    for source in sources:
        proc = subprocess.run([sys.executable, source], cwd=course, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{source}: exited {proc.returncode}\n{proc.stderr[-800:]}", file=sys.stderr)
            return 1
    print(f"ran {len(sources)} module(s) as scripts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
