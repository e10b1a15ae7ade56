"""nbformat, jupytext and nbclient imported without a 2.5-second detour.

All three import nbformat, which imports jsonschema for its validator; jsonschema imports `rfc3987_syntax`
when it is installed (jupyter_events, under Jupyter Lab, installs it) and builds its IRI grammar at import:
2.5 s of CPU in every process that reads, renders or runs a notebook, for a format check ("iri") that no
notebook schema uses. `light_jsonschema()`, called before those imports, has jsonschema imported without
that one optional module; jsonschema then simply lacks the "iri" format checker. Nothing is patched, and a
later `import rfc3987_syntax` anywhere works as usual.
"""

from __future__ import annotations

import sys

OPTIONAL = "rfc3987_syntax"


def light_jsonschema() -> None:
    """Import jsonschema once, without its optional IRI grammar (a no-op once jsonschema is imported)."""
    if "jsonschema" in sys.modules or OPTIONAL in sys.modules:
        return
    sys.modules[OPTIONAL] = None  # an import of it raises ImportError, which jsonschema expects and skips
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        pass  # nbformat will say what is missing
    finally:
        del sys.modules[OPTIONAL]
