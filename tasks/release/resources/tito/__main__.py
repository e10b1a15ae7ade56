"""`python3 -m tito ...`: the same as `tito ...` (works before set-up, e.g. `python3 -m tito setup`)."""

import sys

if sys.version_info < (3, 11):  # said first, in a syntax any Python reads: older ones cannot read the rest of tito
    sys.stderr.write(
        "tito: TinyTorch needs Python 3.11 or newer; this is %d.%d.%d. " % tuple(sys.version_info[:3])
        + "Install python3.11 (or newer) and run: python3.11 -m tito setup\n"
    )
    sys.exit(2)

from .cli import main  # noqa: E402

sys.exit(main())
