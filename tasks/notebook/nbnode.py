"""Notebooks as plain JSON-like dicts with attribute access, like nbformat's NotebookNode.

The build reads, transforms and writes notebooks without importing nbformat, whose import (it loads
jsonschema) costs more than building a module. `Node` behaves like NotebookNode for everything the
engine does (`cell.source`, `nb.cells`, dict methods); code that hands a notebook to nbformat or
nbclient converts it with `nbformat.from_dict`.
"""

from __future__ import annotations

NBFORMAT, NBFORMAT_MINOR = 4, 5


class Node(dict):
    """A dict whose keys are also attributes: `cell.source` is `cell["source"]`."""

    __slots__ = ()

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __deepcopy__(self, memo):
        return clone(self)


def clone(value):
    """A deep copy of JSON-like data (dicts, lists, scalars); dicts become Nodes. Much faster than deepcopy."""
    if isinstance(value, dict):
        return Node({key: clone(item) for key, item in value.items()})
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value


def new_notebook(cells: list) -> Node:
    return Node(cells=cells, metadata=Node(), nbformat=NBFORMAT, nbformat_minor=NBFORMAT_MINOR)


def new_cell(cell_type: str, source: str, metadata: dict) -> Node:
    """A cell shaped as nbformat.v4's new_code_cell / new_markdown_cell makes it (ids are set by the caller)."""
    cell = Node(cell_type=cell_type, metadata=clone(metadata), source=source)
    if cell_type == "code":
        cell.execution_count, cell.outputs = None, []
    return cell
