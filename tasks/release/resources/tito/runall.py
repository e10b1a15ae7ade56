"""Jupyter's "Run All" goes on past the exercises you have not written yet.

The first code cell of each module's notebook imports this module and hands it the notebook's exercises, as
the course made them: what to implement, where its stub is, and the message the stub raises. From then on, in
that kernel, a cell stopped by one of those stubs (the line `raise NotImplementedError("...")` that you replace
with your code) prints one line instead of a traceback, and Run All goes on with the next cell:

    not implemented yet: Tensor.__add__ (its stub: In[4], line 12); this cell stopped there and does not pass

Any other error stops Run All with its traceback: a failed assert, a typo, a stub of an earlier module (raised
in `tinytorch/`), and any `NotImplementedError` you raise yourself, whatever its message says.

Only the code of the cells you run is wrapped (IPython's AST transformers see each cell once, when it starts):
what magics such as `%timeit`, `%%time` or `%run` compile and run is left exactly as IPython makes it.

Nothing changes where tests are counted: `tito module complete`, the course's checks and grading run your
notebook with TITO_STRICT=1 (or not in IPython), where importing this module does nothing, so a test that
reaches a stub counts as "not implemented yet", never as passed.
"""

from __future__ import annotations

import ast
import os
import sys

STRICT = "TITO_STRICT"  # set (to anything but "") by every tool that counts tests: stub errors stay errors
HANDLER = """\
try:
    pass
except NotImplementedError as _tito_stop:
    if not __import__("tito.runall", fromlist=["softened"]).softened(_tito_stop):
        raise
"""
_EXERCISES: dict[str, tuple[str, str | None]] = {}  # the stub's message -> (what to implement, its scope)


def exercises(*stubs: tuple[str, str | None, str]) -> None:
    """The notebook's stubs, handed by its Run All cell: (what, scope, message) each, as the course recorded
    them; scope is where the stub is (`Tensor.__add__`; "" at a cell's top level; None: not checked)."""
    _EXERCISES.clear()
    _EXERCISES.update({message: (what, scope) for what, scope, message in stubs})


def _innermost(error: BaseException):
    """The traceback entry where `error` was raised."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _scope(code) -> str:
    """Where a frame runs, as the course records a stub's scope: `Tensor.__add__`, "" at a cell's top level."""
    return "" if code.co_name == "<module>" else code.co_qualname.replace(".<locals>", "")


def stub_reached(error: BaseException, shell) -> tuple[str, str] | None:
    """(what to implement, where its stub is) when `error` was raised by one of this notebook's stubs, in a
    cell of this kernel and in the def the course put it in; None for any other error."""
    found, tb = _EXERCISES.get(str(error)), _innermost(error)
    if type(error) is not NotImplementedError or found is None or tb is None:
        return None
    what, scope = found
    code = tb.tb_frame.f_code
    cell = shell.compile.format_code_name(code.co_filename)  # ("Cell", "In[4]") for a notebook cell, else None
    if cell is None or (scope is not None and _scope(code) != scope):
        return None
    return what, f"{cell[1]}, line {tb.tb_lineno}"


def softened(error: BaseException) -> bool:
    """Called by the `except` every cell is wrapped in: print one line and return True for a stub."""
    from IPython import get_ipython

    found = stub_reached(error, get_ipython())
    if found is not None:
        print(f"not implemented yet: {found[0]} (its stub: {found[1]}); this cell stopped there and does not pass")
    return found is not None


class KeepGoing(ast.NodeTransformer):
    """Wraps a cell in `try: <the cell> except NotImplementedError: <one line if a stub, else raise>`.

    Armed when a cell starts (IPython's pre_run_cell event) and disarmed by the first tree it sees, which is
    that cell's: the code a magic transforms later (`%timeit`'s statement, `%%time`'s body) is left alone.
    """

    armed = False

    def arm(self, *_info) -> None:
        self.armed = True

    def disarm(self, *_result) -> None:
        self.armed = False

    def visit_Module(self, tree: ast.Module) -> ast.Module:
        armed, self.armed = self.armed, False
        body = tree.body
        if not armed or not body or any(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in body):
            return tree
        if isinstance(body[-1], ast.Expr):  # its value is still shown, as IPython shows a cell's last expression
            show = ast.parse("__import__('sys').displayhook", mode="eval").body
            body[-1] = ast.Expr(ast.Call(_placed(show, body[-1]), [body[-1].value], []))
            ast.copy_location(body[-1].value, body[-1].value.args[0])
            ast.copy_location(body[-1], body[-1].value)
        wrapped = _placed(ast.parse(HANDLER).body[0], body[-1])  # in a traceback, the handler is the last line
        wrapped.body = body
        tree.body = [wrapped]
        return ast.fix_missing_locations(tree)


def _placed(node: ast.AST, at: ast.AST) -> ast.AST:
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
        keep_going = KeepGoing()
        shell.events.register("pre_run_cell", keep_going.arm)
        shell.events.register("post_run_cell", keep_going.disarm)
        shell.ast_transformers.append(keep_going)
    return True


install()
