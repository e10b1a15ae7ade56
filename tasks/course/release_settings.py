"""Release settings of course.yaml checked on load: tag pattern, branch name, kernel (course.yaml:LINE).

Git's own rules for names of refs (`git check-ref-format`), without starting git: a course.yaml with
`tag: "week {week}"` or `branch: main..x` is refused when read, not in the middle of a release.
"""

from __future__ import annotations

import os
import re
import string

FORBIDDEN = set(" ~^:?*[\\\x7f")
KERNEL_NAME_RE = re.compile(r"[a-z0-9._\-]+")  # the names jupyter_client lists (it lowercases folder names)


def _ref_problem(name: str) -> str | None:
    """Why `name` cannot be a git branch or tag name, or None when it can."""
    if not name or name == "@":
        return "is empty" if not name else "'@' alone is not allowed"
    bad = sorted({c for c in name if c in FORBIDDEN or ord(c) < 32})
    if bad:
        return f"contains {', '.join(repr(c) for c in bad)} (no spaces, ~ ^ : ? * [ \\ or control characters)"
    if ".." in name or "@{" in name or "//" in name:
        return "contains '..', '@{' or '//'"
    if name.startswith(("/", "-")) or name.endswith(("/", ".")):
        return "starts with '/' or '-', or ends with '/' or '.'"
    if any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")):
        return "has a part starting with '.' or ending with '.lock'"
    return None


def _tag_pattern_problem(pattern: str) -> str | None:
    """Why `pattern` (e.g. 'week{week}') cannot name release tags, or None."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(pattern) if field is not None]
    except ValueError as error:
        return f"is not a valid pattern ({error}); write braces only around {{week}}"
    unknown = sorted({f for f in fields if f != "week"})
    if unknown:
        return (
            f"uses {', '.join('{' + f + '}' for f in unknown)}; the only placeholder is {{week}}, e.g. 'week{{week}}'"
        )
    if "week" not in fields:
        return "must contain {week}, e.g. 'week{week}'"
    for name in (pattern.format(week=1), pattern.format(week=1) + "-errata1"):
        problem = _ref_problem(name)
        if problem:
            return f"does not make a valid git tag name: '{name}' {problem}"
    return None


def kernel_problem(name: str) -> str | None:
    """Why kernel `name` cannot run, or None: it must be an installed Jupyter kernelspec."""
    if kernelspec_on_disk(name):  # the usual case, without importing jupyter_client (~0.5 s on a cold build)
        return None
    from jupyter_client.kernelspec import KernelSpecManager  # only when course.yaml is (re)read

    installed = sorted(KernelSpecManager().find_kernel_specs())
    if name in installed:
        return None
    return f"'{name}' is not an installed Jupyter kernel (installed: {', '.join(installed) or 'none'}); use one of them, or install it (e.g. `python -m ipykernel install --user --name {name}`)"


def kernelspec_on_disk(name: str) -> bool:
    """True when a folder of Jupyter's kernel path holds `name`/kernel.json, which jupyter_client's
    KernelSpecManager lists as `name`; False sends the caller to KernelSpecManager itself (other folders, the
    native kernel, and the message listing what is installed)."""
    from jupyter_core.paths import jupyter_path

    return (
        bool(KERNEL_NAME_RE.fullmatch(name))
        and name not in (".", "..")
        and any(os.path.isfile(os.path.join(folder, name, "kernel.json")) for folder in jupyter_path("kernels"))
    )


def check_release_settings(course, repo_keys: dict, repo_node, execution_node, fail) -> None:
    """Report a bad tag pattern, branch name or kernel at its line in course.yaml."""
    settings = course.student_repo
    problem = _tag_pattern_problem(settings.tag)
    if problem:
        fail(repo_keys.get("tag", repo_node), f"student_repo.tag: '{settings.tag}' {problem}")
    problem = _ref_problem(settings.branch)
    if problem:
        fail(
            repo_keys.get("branch", repo_node),
            f"student_repo.branch: '{settings.branch}' is not a valid git branch name: it {problem}",
        )
    problem = kernel_problem(course.execution.kernel)
    if problem:
        keys = {k.value: v for k, v in execution_node.value} if execution_node is not None else {}
        fail(keys.get("kernel", execution_node), f"execution.kernel: {problem}")
