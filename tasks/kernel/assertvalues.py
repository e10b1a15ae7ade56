"""Run inside the kernel at start: pytest-style values for a bare `assert left <op> right`.

IPython compiles each cell through its AST transformers; this one rewrites an assert that compares two
values and has no message so that, when it fails, the message shows both values (`assert 6 == 4`, with
`where 6 = double(2)`). Each side is still evaluated once, in the same order, and tracebacks keep the
assert's line. The cell's source text (and so the executed notebook) is as written. The kernel runs this
file with runpy, so it leaves no names in the notebook's namespace.
"""

import ast

OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
TEMPLATE = """\
_coursebuild_left = ({left})
_coursebuild_right = ({right})
assert _coursebuild_left {op} _coursebuild_right, "\\n".join(["assert " + repr(_coursebuild_left)[:200] + " {op} " + repr(_coursebuild_right)[:200]] + [f"  where {{v!r:.200}} = {{s}}" for v, s in ((_coursebuild_left, {left_text!r}), (_coursebuild_right, {right_text!r})) if repr(v) != s])
"""


def rewritten(node: ast.Assert) -> list[ast.stmt]:
    """The statements standing for a bare two-value assert, every one placed at the assert's line."""
    left, right = ast.unparse(node.test.left), ast.unparse(node.test.comparators[0])
    op = OPS[type(node.test.ops[0])]
    body = ast.parse(TEMPLATE.format(left=left, right=right, op=op, left_text=left, right_text=right)).body
    for statement in body:
        for part in ast.walk(statement):
            if "lineno" in part._attributes:
                part.lineno, part.end_lineno = node.lineno, node.end_lineno
                part.col_offset, part.end_col_offset = node.col_offset, node.end_col_offset
    return body


class AssertValues(ast.NodeTransformer):
    def visit_ClassDef(self, node):  # names bound in a class body would become attributes: methods only
        node.body = [self.visit(n) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) else n for n in node.body]
        return node

    def visit_Assert(self, node):
        test = node.test
        if node.msg is None and isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in OPS:
            return rewritten(node)
        return node


def install() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and not any(isinstance(t, AssertValues) for t in shell.ast_transformers):
        shell.ast_transformers.append(AssertValues())


install()
