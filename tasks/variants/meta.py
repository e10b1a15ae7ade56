"""The engine's private cell metadata (`cell.metadata["coursebuild"]`): facts the transforms record for
later stages (the line map, the stubs). Renderers keep only the metadata Jupyter uses, so none of it is
ever written into an artifact."""

from __future__ import annotations

KEY = "coursebuild"


def private(cell, create: bool = False) -> dict:
    """The cell's private metadata; an empty dict (not stored) unless `create`."""
    found = cell.metadata.get(KEY)
    if isinstance(found, dict):
        return found
    if not create:
        return {}
    cell.metadata[KEY] = {}
    return cell.metadata[KEY]
