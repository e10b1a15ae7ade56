"""doit tasks `release week=N`, `deploy_student[:NAME]`, `deploy_solutions[:NAME]`: the student repository.

Each publishes in ONE commit, after the modules involved passed `validate` and `check_student`.
"""
from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from ..course.context import load
from .doitutil import failing_task, reports_user_errors, warn
from ..base.errors import CourseError, Finding
from ..release.plan import Offer, commit_message, plan_release
from ..notebook.source import read_source
from ..release.student_repo import StudentRepo, no_fault
from ..versions.leakguard import guard
from ..versions.variants import shipped_as

SHIPPED_TO = {"exercises": "modules", "solutions": "solutions"}  # release kind -> folder in the student repo

RESOURCES = Path(__file__).resolve().parent.parent / "release" / "resources"
STUDENT = RESOURCES / "student"  # the student repo's set-up files (pyproject, requirements, .gitignore, ...)
JUPYTERLAB = "4.6.6"  # pinned for students: what `tito module start` is tested with


def tito_package() -> dict[str, bytes]:
    """The student-side `tito` package (standard library only), shipped as the top-level folder `tito/`."""
    base = RESOURCES / "tito"
    return {f"tito/{p.relative_to(base).as_posix()}": p.read_bytes() for p in sorted(base.rglob("*.py")) if "__pycache__" not in p.parts}


# --- what the repo receives -----------------------------------------------------------------------

def offers(course, paths, modules, kind: str) -> list[Offer]:
    """The built files of `modules` for `kind` ('exercises' or 'solutions'), leak-guarded again."""
    result = []
    for module in modules:
        variant = shipped_as(SHIPPED_TO[kind])
        built = paths.version_files(module, variant.folder)
        missing = [paths.rel(p) for p in built if not p.exists()]
        if missing:
            raise CourseError.at(missing[0], None, f"is missing; build it first with `doit {variant.task}:{module.name}`")
        folder = paths.repo_dir(module, variant.repo_dir)
        files = {str(folder / p.name): p.read_bytes() for p in built}
        source = read_source(paths.source(module), paths.rel(paths.source(module)))
        guard(source, {paths.rel(p): p.read_bytes() for p in built}, variant.name)
        if kind == "exercises":
            data_root = paths.root / module.folder
            files.update({str(folder / p.relative_to(data_root).as_posix()): p.read_bytes() for p in paths.data_files(module)})
        result.append(Offer(module.name, kind, files))
    return result


def readme(course, paths, present: set[str]) -> bytes:
    rows = []
    for module in course.modules:
        has_ex = any(p.startswith(f"{paths.repo_module_dir(module)}/") for p in present)
        has_sol = any(p.startswith(f"{paths.repo_solution_dir(module)}/") for p in present)
        status = "solutions out" if has_sol else "released" if has_ex else "upcoming"
        rows.append(f"| {module.slug} | {module.name} | week {module.release} | week {module.solutions} | {status} |")
    text = f"""# {course.name}: student repository

Your exercises are in `modules/`: open a notebook, implement every function that raises
`NotImplementedError`, and run the tests in the notebook. Reference solutions appear in `solutions/`
after each module's solutions week; they never overwrite your work.

## Set up (once)

You need Python 3.11 or newer and git. In your clone, run:

    python3 -m tito setup

It creates `.venv/` (a virtual environment: Debian/Ubuntu refuse `pip install` outside one) and installs
numpy, Jupyter Lab, your `tinytorch` package and the `tito` command into it. Then, in each new terminal:

    source .venv/bin/activate

## Work on a module

    tito module start 01       # opens the notebook in Jupyter Lab (your earlier work is backed up first)
    tito module complete 01    # runs its tests, exports your code into tinytorch/, records your progress
    tito module status         # what you completed, what is next, which solutions are out

Later modules import earlier ones (`from tinytorch.core.tensor import Tensor`): `tito module complete`
exports yours. Stuck on an earlier module? Once its solutions are out, catch up with
`tito module export --solution 01`. `tito module reset 01` restores the released notebook (yours is
backed up under `.tito/backups/`). `tito system health` checks your set-up; `tito --help` lists the rest.

## Get the new material each week

    tito update        # or `git pull`, once your work is committed

Commit your own work from time to time (`git add -A && git commit -m "my work"`; `.venv/` and your
exported package are ignored). New weeks only add files, so updating never conflicts with your edits.

## Schedule

| folder | module | exercises | solutions | status |
|---|---|---|---|---|
{chr(10).join(rows)}
"""
    return text.encode("utf-8")


def course_files(course, paths, present: set[str]) -> dict[str, bytes]:
    from importlib import metadata  # costs ~0.1 s: only when releasing

    numpy = metadata.version("numpy")
    return {
        "README.md": readme(course, paths, present),
        "requirements.txt": (STUDENT / "requirements.txt").read_text().format(numpy=numpy, jupyterlab=JUPYTERLAB).encode(),
        "pyproject.toml": (STUDENT / "pyproject.toml").read_bytes(),
        ".gitignore": (STUDENT / "gitignore").read_bytes(),
        "tinytorch/__init__.py": (STUDENT / "tinytorch_init.py").read_bytes(),
        "tools/export.py": (RESOURCES / "student_export.py").read_bytes(),
        **tito_package(),
    }


# --- publishing -----------------------------------------------------------------------------------

def publish(course, paths, make_offers, title: str, tag: str | None, errata: bool, force: bool, fault=no_fault):
    """Check the repo, gather the files (`make_offers()`), plan, then commit + tag in one atomic step; push."""
    settings, shown = course.student_repo, paths.rel(paths.student_repo)
    with removed_on_failure(paths.student_repo):
        repo = StudentRepo.open_or_init(paths.student_repo, settings.branch, settings.author, shown)
        repo.check_ready(settings.tag)
        plan, old, new, tag_now = commit_and_tag(repo, course, paths, make_offers(), title, tag, errata, force, fault)
    say(shown, title, plan, new, old, tag, tag_now)
    if settings.remote:
        fault("push")
        repo.push(settings.remote, tag)
        print(f"{shown}: pushed {settings.branch}{f' and {tag}' if tag else ''} to {settings.remote}")


@contextmanager
def removed_on_failure(repo_dir: Path):
    """A student repo created for this release is removed again if the release fails: it leaves no trace."""
    existed, was_dir = (repo_dir / ".git").exists(), repo_dir.exists()
    try:
        yield
    except BaseException:
        if not existed:
            shutil.rmtree(repo_dir / ".git" if was_dir else repo_dir, ignore_errors=True)
        raise


def commit_and_tag(repo, course, paths, offered, title: str, tag: str | None, errata: bool, force: bool, fault):
    """Plan against HEAD, write the commit's objects, then move branch, worktree and tag together.

    Returns (plan, old head, new head, whether `tag` was set).
    """
    shown = paths.rel(paths.student_repo)
    old = repo.head()
    existing = repo.tree_files(old)
    present = set(existing) | {path for offer in offered for path in offer.files}
    plan = plan_release(existing, offered, course_files(course, paths, present), errata)
    for stale in plan.stale:
        print(f"{shown}: {stale}", file=sys.stderr)
    message = commit_message(title, plan)
    new = old
    if not plan.empty:
        fault("objects")
        new = repo.write_commit(old, plan.writes, message)
    if new is None:
        raise CourseError.at(shown, None, f"{title}: nothing to release yet (no module is due); check the weeks in course.yaml")
    tag_now = decide_tag(repo, tag, new, old, plan.empty, force, shown)
    if new != old:
        repo.publish(old, new, tag if tag_now else None, message, force, fault)
    elif tag_now:
        repo.tag_only(new, tag, message, force)
    return plan, old, new, tag_now


def decide_tag(repo, tag, new, old, nothing_new: bool, force: bool, shown: str) -> bool:
    """Whether to (re)tag `new`: yes if missing; no if already there or an earlier, unchanged release."""
    if not tag:
        return False
    tagged = repo.tag_target(tag)
    if tagged is None:
        return True
    if tagged == new or (nothing_new and repo.is_ancestor(tagged, new)):
        return False
    if force:
        return True
    raise CourseError.at(shown, None, f"tag '{tag}' already exists at {tagged[:10]}, not at the commit this release makes; nothing was changed. Re-run with force=1 to move the tag (it is never force-pushed)")


def say(shown, title, plan, new, old, tag, tag_now) -> None:
    if new == old:
        print(f"{shown}: {title}: nothing new (already released){f'; tagged {tag}' if tag_now else ''}")
    else:
        print(f"{shown}: {commit_message(title, plan).splitlines()[0]} [{new[:10]}]{f', tag {tag}' if tag_now else ''}")


# --- actions --------------------------------------------------------------------------------------

def parse_week(raw) -> int:
    if raw is None or str(raw).strip() == "":
        raise CourseError.at("command line", None, "release needs the week: run `doit release week=5` (or `make release WEEK=5`)")
    text = str(raw).strip()
    if not text.isdigit() or int(text) < 1:
        raise CourseError.at("command line", None, f"week={raw!r} is not a week number; use a whole number such as week=5")
    return int(text)


def flag(raw) -> bool:
    return str(raw).strip().lower() in {"1", "true", "yes", "on"} if raw is not None else False


@reports_user_errors
def release_action(root: str, week: int, force: bool = False, errata: bool = False, fault=no_fault) -> None:
    course, paths = load(root)
    first = min(m.release for m in course.modules)
    if week < first:
        earliest = min(course.modules, key=lambda m: m.release)
        raise CourseError.at("course.yaml", earliest.line, f"week {week} is before the first release (week {first}, module '{earliest.name}'); nothing to release: release week {first} or later, or give a module an earlier release week")
    solutions = [m for m in course.modules if m.solutions <= week]
    exercises = [m for m in course.modules if m.release <= week]
    def offered():
        return offers(course, paths, solutions, "solutions") + offers(course, paths, exercises, "exercises")

    publish(course, paths, offered, f"Week {week}", course.student_repo.tag.format(week=week), errata, force, fault)


@reports_user_errors
def deploy_action(root: str, kind: str, names: list[str], errata: bool = False, fault=no_fault) -> None:
    course, paths = load(root)
    modules = [course.module(n) for n in names]
    title = f"Deploy {kind}"
    publish(course, paths, lambda: offers(course, paths, modules, kind), title, None, errata, False, fault)


# --- tasks ----------------------------------------------------------------------------------------

def proven(module, kind: str) -> list[str]:
    """The tasks a module must have passed before its `kind` files may leave the building."""
    built = f"{shipped_as(SHIPPED_TO[kind]).task}:{module.name}"
    return [built, f"validate:{module.name}", f"check_student:{module.name}"]


def task_release(course, paths):
    """Release a week to the student repo: `doit release week=N [errata=1] [force=1]` (one commit + tag)."""
    from doit import get_var

    raw = get_var("week", None)
    if raw is None:
        return {"actions": [(failing_task, ["release needs the week: run `doit release week=5` (or `make release WEEK=5`)"])], "verbosity": 2}
    try:
        week = parse_week(raw)
    except CourseError as error:
        return {"actions": [(failing_task, [str(error)])], "verbosity": 2}
    deps = [t for m in course.modules if m.release <= week for t in proven(m, "exercises")]
    deps += [t for m in course.modules if m.solutions <= week for t in proven(m, "solutions")]
    return {
        "actions": [(release_action, [str(course.root), week, flag(get_var("force")), flag(get_var("errata"))])],
        "task_dep": list(dict.fromkeys(deps)),
        "verbosity": 2,
    }


def deploy_tasks(course, kind: str, basename: str, doc: str):
    from doit import get_var
    from doit.task import Task

    errata = flag(get_var("errata"))
    for module in course.modules:
        yield {
            "name": module.name,
            "actions": [(deploy_action, [str(course.root), kind, [module.name], errata])],
            "task_dep": proven(module, kind),
            "verbosity": 2,
            "doc": f"deploy {module.name}'s {kind} now, whatever the schedule",
        }
    everything = [t for m in course.modules for t in proven(m, kind)]
    names = [m.name for m in course.modules]
    yield Task(basename, actions=[(deploy_action, [str(course.root), kind, names, errata])], task_dep=everything,
               doc=doc, has_subtask=True, verbosity=2)


def task_deploy_student(course, paths):
    yield from deploy_tasks(course, "exercises", "deploy_student", "Deploy every module's student notebooks now, in ONE commit (make deploy-all)")


def task_deploy_solutions(course, paths):
    yield from deploy_tasks(course, "solutions", "deploy_solutions", "Deploy every module's solutions now, in ONE commit")
