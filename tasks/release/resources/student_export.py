"""Kept for earlier instructions: `python tools/export.py 01_tensor` is now `tito module export 01_tensor`.

tito module complete 01          # test your work on module 01, then export it
tito module export --solution 01  # catch up: export the released solution instead
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tito.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["module", "export", *sys.argv[1:]]))
