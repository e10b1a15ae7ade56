"""`python3 -m tito ...`: the same as `tito ...` (works before set-up, e.g. `python3 -m tito setup`)."""

import sys

from .cli import main

sys.exit(main())
