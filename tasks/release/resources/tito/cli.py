"""`tito` for students: start, complete and check your modules; get each week's update; submit; check your set-up.

Standard library only (Jupyter is needed to open notebooks and run tests). Run `tito --help`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

from .repo import Stop, find_module, find_root, modules, released_bytes, sha256


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.func is None:
        args.parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except Stop as problem:
        print(f"tito: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tito: interrupted", file=sys.stderr)
        return 130


def add(subparsers, name: str, help: str, func):
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.set_defaults(func=func, parser=parser)
    return parser


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="tito",
        description="TinyTorch for students: work through the modules, test and export them, get each week's update, submit.",
    )
    top.set_defaults(func=None, parser=top)
    commands = top.add_subparsers(title="commands", metavar="COMMAND")
    module = add(commands, "module", "Start, complete, check and reset modules", None)
    sub = module.add_subparsers(title="commands", metavar="COMMAND")
    for name, help, func in (
        ("start", "Open a module's notebook in Jupyter Lab (backs up earlier work first)", start),
        ("resume", "Open a module's notebook in Jupyter Lab again, as you left it", resume),
    ):
        one = add(sub, name, help, func)
        one.add_argument("module", help="number, name or folder: 01, tensor, 01_tensor")
        one.add_argument("--no-browser", action="store_true", help="do not open a browser; print the URL to open")
        one.add_argument("--port", type=int, help="the port Jupyter listens on (default: 8888 or the next free one)")
    done = add(
        sub, "complete", "Test a module in a real kernel, export it into your tinytorch, record your progress", complete
    )
    done.add_argument("module", help="number, name or folder: 01, tensor, 01_tensor")
    done.add_argument("--skip-tests", action="store_true", help="export without running the tests")
    done.add_argument("--skip-export", action="store_true", help="run the tests only")
    done.add_argument("--timeout", type=float, default=120, help="seconds a cell may run (default 120)")
    export_parser = add(
        sub,
        "export",
        "Export modules into your tinytorch without testing (--solution: the released solution)",
        export_command,
    )
    export_parser.add_argument(
        "modules", nargs="*", help="numbers, names, folders or notebook paths (default: every released module)"
    )
    export_parser.add_argument(
        "--solution", action="store_true", help="export the released solution instead of your work (to catch up)"
    )
    add(sub, "status", "Released modules, completed ones with dates, what is next, solutions available", status)
    reset_parser = add(
        sub, "reset", "Back up your notebook, restore the released one, remove its export and progress", reset
    )
    reset_parser.add_argument("module", help="number, name or folder: 01, tensor, 01_tensor")
    updating = add(commands, "update", "Get the new week's material (keeps all your work)", update)
    updating.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="the course's repository, once, when you cloned a repository of your own (e.g. from GitHub Classroom)",
    )
    handing = add(commands, "submit", "Hand in your work: commit it and push it to your own repository", submit)
    handing.add_argument(
        "module", nargs="?", help="only this module's folder (01, tensor, 01_tensor); default: all your work"
    )
    handing.add_argument(
        "--to", metavar="URL", help="your own repository, once, when you cloned the course's repository itself"
    )
    system = add(commands, "system", "Check your set-up", None)
    add(
        system.add_subparsers(title="commands", metavar="COMMAND"),
        "health",
        "Python version, virtual environment, Jupyter, your tinytorch importable",
        health,
    )
    add(commands, "setup", "Create .venv and install everything (run once: python3 -m tito setup)", setup)
    return top


# --- backups ----------------------------------------------------------------------------------------


def backup(root: Path, module, why: str) -> Path | None:
    """Copy the module's notebook (and .py copy) under .tito/backups/<module>/<time>/ if you changed them."""
    from .repo import edited

    files = [p for p in (module.notebook(), module.python_copy()) if p and p.exists() and edited(root, p)]
    if not files:
        return None
    target = root / ".tito" / "backups" / module.slug / datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target.mkdir(parents=True)
    for path in files:
        shutil.copy2(path, target / path.name)
    print(f"backed up your work on {module.slug} ({why}) to {target.relative_to(root)}/")
    return target


# --- start / resume ---------------------------------------------------------------------------------


def start(args) -> int:
    root = find_root()
    module = find_module(root, args.module)
    backup(root, module, "before starting")
    return open_in_jupyter(root, module, args)


def resume(args) -> int:
    root = find_root()
    return open_in_jupyter(root, find_module(root, args.module), args)


def open_in_jupyter(root: Path, module, args) -> int:
    import importlib.util

    notebook = module.notebook()
    if notebook is None:
        raise Stop(f"modules/{module.slug} has no notebook; restore it with `tito module reset {module.short}`")
    if importlib.util.find_spec("jupyterlab") is None:
        raise Stop(
            "Jupyter Lab is not installed in this Python; set up first: python3 -m tito setup, then source .venv/bin/activate"
        )
    import secrets

    port, token, path = args.port or free_port(), secrets.token_hex(24), notebook.relative_to(root).as_posix()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        *(["--no-browser"] if args.no_browser else []),
        *(["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []),
        path,
    ]
    others = [part.notebook() for part in module.parts()][1:]
    if others:  # a module of several notebooks: the first opens, the others are one click away
        names = ", ".join(p.name for p in others if p is not None)
        print(
            f"this module has {len(others) + 1} notebooks: after {notebook.name}, open {names} from Jupyter's file browser"
        )
    print(
        f"opening {path} in Jupyter Lab{'' if args.no_browser else ' in your browser'}; stop it with Ctrl-C. Its address:\n"
        f"    http://127.0.0.1:{port}/lab/tree/{path}?token={token}",
        flush=True,
    )
    os.chdir(root)
    if sys.platform == "win32":
        import subprocess

        return subprocess.call(command)
    os.execv(sys.executable, command)  # Jupyter takes this process's place: Ctrl-C and signals reach it directly


def free_port() -> int:
    """8888 (Jupyter's usual port) when it is free, else any free port."""
    import socket

    for wanted in (8888, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", wanted))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise Stop("no free network port for Jupyter; pass one with --port")


# --- complete / export ------------------------------------------------------------------------------


def complete(args) -> int:
    from . import progress
    from .export import export, export_target, working_copy
    from .hints import missing_dependencies
    from .repo import directives, read_cells

    root = find_root()
    module = find_module(root, args.module)
    parts, entries, status = module.parts(), [], 0
    for part in parts:  # a module of several notebooks: each tested (and exported) on its own, recorded as one
        source, why = working_copy(part)
        shown = source.relative_to(root).as_posix()
        cells = read_cells(source)
        exports = len(parts) == 1 or any(name == "default_exp" for c in cells for name, _ in directives(c.source))
        target = export_target(cells, shown) if exports else None
        missing = missing_dependencies(root, [c.source for c in cells if c.kind == "code"], target)
        if missing:
            raise Stop(f"{shown} needs modules you have not exported yet:\n  " + "\n  ".join(missing))
        entry = {"notebook": shown, "sha256": sha256(source), "tests": None, "complete": False, "exported": None}
        if not args.skip_tests:
            status = run_module_tests(root, part, source, why, cells, args.timeout, entry) or status
        if exports and not args.skip_export:
            path = export(root, source, f"tito module complete {module.short}")
            if path is None:
                print(f"nothing to export: {shown} has no `#| export` cells")
            else:
                entry["exported"] = path.relative_to(root).as_posix()
                print(f"exported {shown} -> {entry['exported']} (read-only: change the notebook, then complete again)")
        entries.append(entry)
    if len(entries) > 1:
        tested = [e["tests"] for e in entries if e["tests"]]
        tests = {key: sum(t[key] for t in tested) for key in ("passed", "total")} if tested else None
        hands = [e["hand"] for e in entries if e.get("hand")]
        hand = (
            {
                "written": sum(h["written"] for h in hands),
                "total": sum(h["total"] for h in hands),
                "missing": [m for h in hands for m in h["missing"]],
            }
            if hands
            else None
        )
        complete = all(e["complete"] for e in entries)
        entries = [
            {
                "notebook": f"modules/{module.slug}",
                "complete": complete,
                "notebooks": entries,
                "tests": tests,
                "hand": hand,
            }
        ]
    progress.record(root, module.slug, entries[0])
    return status


def run_module_tests(root: Path, module, source: Path, why: str, cells, timeout: float, entry: dict) -> int:
    """Run the tests in a kernel and count the answers graded by hand; say what is left to do. 0: complete."""
    from .hand import RESTORE, hand_answers, removed_tests
    from .repo import released_cells
    from .runner import recorded_stubs, run_tests

    shown = source.relative_to(root).as_posix()
    print(f"testing {shown} ({why}) in a Jupyter kernel ...", flush=True)
    run = run_tests(root, module.folder, cells, timeout)
    for problem in run.broken:
        print(f"  error outside the tests, {problem}")
    released = released_cells(root, source)
    hand, gone = hand_answers(cells, released, recorded_stubs(cells)), removed_tests(cells, released)
    tested = bool(run.results or gone)
    complete = (
        (tested or bool(hand.total))
        and run.passed == len(run.results)
        and not gone
        and not run.broken
        and not hand.missing
    )
    lines = [run.summary()] if tested else []
    if gone:
        lines.append(
            f"  removed from your notebook: test cell(s) {', '.join(gone)}; " + RESTORE.format(module=module.short)
        )
    if hand.total:
        lines.append(hand.summary(only=not tested))
        lines += [answer.todo(module.short) for answer in hand.missing]
    if not lines:
        lines.append(
            f"{shown} has no test cells and no answers graded by hand: nothing in it is graded, so it is not "
            f"complete (if you removed them: {RESTORE.format(module=module.short)})"
        )
    if complete:
        lines[-1] += "; module complete" + (
            " (your answers are graded by hand once you submit: tito submit)" if hand.total else ""
        )
    elif hand.missing:
        lines.append(
            f"next: write the missing answers above, save the notebook, then run tito module complete {module.short} again"
        )
    print("\n".join(lines))
    entry["tests"] = {
        "passed": run.passed,
        "total": len(run.results),
        "not_implemented": [r.detail for r in run.results if r.status == "not implemented"],
        "failed": [f"{r.name}: {r.detail}" for r in run.results if r.status == "failed"],
        **({"removed": gone} if gone else {}),
    }
    entry["hand"] = hand.record() if hand.total else None
    entry["complete"] = bool(complete)
    return 0 if complete else 1


def export_command(args) -> int:
    from .export import export, working_copy

    root = find_root()
    for item in args.modules or [m.slug for m in modules(root)]:
        given = Path(item)
        if given.suffix in (".ipynb", ".py") and (Path.cwd() / given).exists():
            source = (Path.cwd() / given).resolve()
        elif args.solution:
            source = solution_notebook(root, find_module(root, item))
        else:
            source = working_copy(find_module(root, item))[0]
        path = export(root, source, f"tito module export {item}{' --solution' if args.solution else ''}")
        shown = source.relative_to(root).as_posix()
        print(f"{shown} -> {path.relative_to(root).as_posix()}" if path else f"{shown}: nothing to export")
    return 0


def solution_notebook(root: Path, module) -> Path:
    folder = root / "solutions" / module.slug
    found = (
        (sorted(folder.glob("*.ipynb")) or sorted(folder.glob("*.py"))) if folder.is_dir() else []
    )  # .py only: outputs: [python]
    if not found:
        raise Stop(
            f"the solutions of {module.slug} are not released yet (see SCHEDULE.md); `tito update` brings them when they are"
        )
    return found[0]


# --- status / reset ---------------------------------------------------------------------------------


def status(args) -> int:
    from . import progress

    root = find_root()
    recorded, released, upcoming = progress.load(root), modules(root), None
    if not released:
        print("no module released yet; `tito update` brings the first one")
        return 0
    for module in released:
        entry = recorded.get(module.slug)
        solutions = " (solutions available)" if (root / "solutions" / module.slug).is_dir() else ""
        print(f"  {module.slug:<20} {describe(root, module, entry)}{solutions}")
        if upcoming is None and not (entry and entry.get("complete")):
            upcoming = module
    print(
        f"next: {'tito module start ' + upcoming.short + ' (' + upcoming.slug + ')' if upcoming else 'all released modules are complete; `tito update` brings new ones when they are out'}"
    )
    return 0


def describe(root: Path, module, entry: dict | None) -> str:
    if not entry:
        return "not completed yet"
    tests, hand = entry.get("tests"), entry.get("hand")
    parts = [f"{tests['passed']} of {tests['total']} tests pass"] if tests and (tests.get("total") or not hand) else []
    if hand:
        parts.append(f"{hand['written']} of {hand['total']} answers written (graded by hand)")
    if entry.get("complete"):
        state = "complete" + ("; answers graded by hand" if hand else "")
    else:
        state = "; ".join(parts) if tests else "exported, not tested"
    changed = ""
    source = root / entry.get("notebook", "")
    if source.is_file() and sha256(source) != entry.get("sha256"):
        changed = "; changed since (run tito module complete again)"
    return f"{state} ({entry.get('date', '?')}){changed}"


def reset(args) -> int:
    from . import progress
    from .export import remove_export

    root = find_root()
    module = find_module(root, args.module)
    backup(root, module, "before resetting")
    restored = []
    for path in [p for p in (module.notebook(), module.python_copy()) if p]:
        original = released_bytes(root, path)
        if original is None:
            raise Stop(
                f"{path.relative_to(root)}: git has no released version of it, so it cannot be restored (is this your clone of the course repository?)"
            )
        path.write_bytes(original)
        restored.append(path.relative_to(root).as_posix())
    removed = remove_export(root, module.notebook()) if module.notebook() else None
    forgot = progress.forget(root, module.slug)
    print(
        f"restored {', '.join(restored)} as released"
        + (f"; removed {removed.relative_to(root)}" if removed else "")
        + ("; forgot its progress" if forgot else "")
    )
    return 0


# --- update / health / setup ------------------------------------------------------------------------


def update(args) -> int:
    from .update import update as run

    return run(find_root(), args.source)


def submit(args) -> int:
    from .submit import submit as run

    return run(find_root(), args.module, args.to)


def health(args) -> int:
    from .health import health as check

    return check(find_root())


def setup(args) -> int:
    from .venvsetup import setup as run

    return run(find_root())
