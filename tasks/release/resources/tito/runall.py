"""Jupyter's "Run All" goes on past the exercises you have not written yet.

The first code cell of each module's notebook imports this module. From then on, in that kernel, a cell
stopped by one of the notebook's stubs (the line `raise NotImplementedError("... is not implemented yet:
replace this line with your code. ...")` that you replace with your code) prints one line instead of a
traceback, and Run All goes on with the next cell:

    not implemented yet: Tensor.__add__ (its stub: In[4], line 12); this cell stopped there and does not pass

Any other error (a failed assert, a typo, a stub of an earlier module) stops Run All with its traceback.

Nothing changes where tests are counted: `tito module complete`, the course's checks and grading run your
notebook with TITO_STRICT=1 (or not in IPython), where importing this module does nothing, so a test that
reaches a stub counts as "not implemented yet", never as passed.
"""

from __future__ import annotations

import ast
import json
import linecache
import os
import sys

STRICT = "TITO_STRICT"  # set (to anything but "") by every tool that counts tests: stub errors stay errors
STUB_TEXT = " is not implemented yet: replace this line with your code."
HANDLER = """\
try:
    pass
except NotImplementedError as _tito_stop:
    if not __import__("tito.runall", fromlist=["softened"]).softened(_tito_stop):
        raise
"""


def innermost(error: BaseException):
    """The traceback entry where `error` was raised."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def stub_reached(error: BaseException, shell) -> tuple[str, str] | None:
    """(what to implement, where its stub is) when `error` was raised by a stub line in a cell of this
    notebook, exactly as the course wrote it; None for any other error."""
    message, tb = str(error), innermost(error)
    if type(error) is not NotImplementedError or STUB_TEXT not in message or tb is None:
        return None
    filename = tb.tb_frame.f_code.co_filename
    if linecache.getline(filename, tb.tb_lineno).strip() != f"raise NotImplementedError({json.dumps(message)})":
        return None
    cell = shell.compile.format_code_name(filename)  # ("Cell", "In[4]") for a notebook cell, else None
    if cell is None:
        return None
    return message.split(" (module ", 1)[0], f"{cell[1]}, line {tb.tb_lineno}"


def softened(error: BaseException) -> bool:
    """Called by the `except` every cell is wrapped in: print one line and return True for a stub."""
    from IPython import get_ipython

    found = stub_reached(error, get_ipython())
    if found is not None:
        print(f"not implemented yet: {found[0]} (its stub: {found[1]}); this cell stopped there and does not pass")
    return found is not None


class KeepGoing(ast.NodeTransformer):
    """Wraps a cell in `try: <the cell> except NotImplementedError: <one line if a stub, else raise>`."""

    def visit_Module(self, tree: ast.Module) -> ast.Module:
        body = tree.body
        if not body or any(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in body):
            return tree
        if isinstance(body[-1], ast.Expr):  # its value is still shown, as IPython shows a cell's last expression
            show = ast.parse("__import__('sys').displayhook", mode="eval").body
            body[-1] = ast.Expr(ast.Call(placed(show, body[-1]), [body[-1].value], []))
            ast.copy_location(body[-1].value, body[-1].value.args[0])
            ast.copy_location(body[-1], body[-1].value)
        wrapped = placed(ast.parse(HANDLER).body[0], body[-1])  # in a traceback, the handler is the last line
        wrapped.body = body
        tree.body = [wrapped]
        return ast.fix_missing_locations(tree)


def placed(node: ast.AST, at: ast.AST) -> ast.AST:
    """`node` and everything in it located at `at`'s position in the cell."""
    for part in ast.walk(node):
        if "lineno" in part._attributes:
            ast.copy_location(part, at)
    return node


def install() -> bool:
    """Add KeepGoing to this IPython kernel (once); nothing when TITO_STRICT is set or outside IPython."""
    ipython = sys.modules.get("IPython")  # loaded in every IPython kernel; never imported here for nothing
    shell = ipython.get_ipython() if ipython is not None and not os.environ.get(STRICT) else None
    if shell is None:
        return False
    if not any(isinstance(t, KeepGoing) for t in shell.ast_transformers):
        shell.ast_transformers.append(KeepGoing())
    return True


install()
