"""The course's own files in the student repository (README, schedule, tools, the `tito` package).

The README never changes from week to week (students may add notes to it); what changes weekly, the
schedule, lives in SCHEDULE.md, a file students have no reason to edit.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"
SCHEDULE = "SCHEDULE.md"
STUDENT = RESOURCES / "student"  # the student repo's set-up files (pyproject, requirements, .gitignore, ...)
JUPYTERLAB = "4.6.6"  # pinned for students: what `tito module start` is tested with
README = """# {name}: student repository

Your exercises are in `modules/`: open a notebook, implement every function that raises
`NotImplementedError`, and run the tests in the notebook. Reference solutions appear in `solutions/`
after each module's solutions week; they never overwrite your work. What comes out when: `SCHEDULE.md`.

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

    tito update        # before set-up: python3 -m tito update

It saves your uncommitted work in a commit, fetches the new week and merges it (no editor, no git
settings needed), says what it did and the one command to run next. Your work is never lost: if the
course changed the same lines of a file you edited (say SCHEDULE.md), the course's version takes its place
and yours is kept beside it as `SCHEDULE.mine.md`. If this is a repository of your own (made for you, e.g.
by GitHub Classroom), tell tito once where the course is: `tito update --from URL-OF-THE-COURSE`.

## Hand in your work

    tito submit                # commits your work and pushes it to your own repository
    tito submit --to URL       # the first time, if you cloned the course's repository itself

It prints the commit, its time and the modules with your work in it. For each deadline the course
collects your notebooks from the last commit made before it: submit before the deadline.
"""


def status(paths, module, present: set[str]) -> str:
    has_ex = any(p.startswith(f"{paths.repo_module_dir(module)}/") for p in present)
    return "solutions out" if _solutions_out(paths, module, present) else "released" if has_ex else "upcoming"


def _solutions_out(paths, module, present) -> bool:
    """Whether `module`'s solutions are among `present` (paths of the student repository): released by the
    schedule or deployed ahead of it, they are out exactly when the repository holds them."""
    return any(p.startswith(f"{paths.repo_solution_dir(module)}/") for p in present)


def solutions_released(course, paths, module) -> bool:
    """Whether the student repository's branch holds `module`'s solutions; False when there is no repository
    yet or it cannot be read (then they are still secret)."""
    from git.exc import GitError

    from ..base.errors import CourseError
    from .student_repo import StudentRepo

    settings = course.student_repo
    try:
        repo = StudentRepo.open(paths.student_repo, settings.branch, settings.author, paths.rel(paths.student_repo))
        return repo is not None and _solutions_out(paths, module, repo.tree_files(repo.head()))
    except (CourseError, GitError, OSError):
        return False


def schedule(course, paths, present: set[str]) -> bytes:
    """SCHEDULE.md: every module, its weeks, and what is out (`present`: the paths the repo will hold)."""
    rows = [
        f"| {m.slug} | {m.name} | week {m.release} | week {m.solutions} | {status(paths, m, present)} |"
        for m in course.modules
    ]
    head = f"# {course.name}: schedule\n\nUpdated by the course staff with each release; `tito update` brings it.\n\n"
    table = "| folder | module | exercises | solutions | status |\n|---|---|---|---|---|\n"
    return (head + table + "\n".join(rows) + "\n").encode("utf-8")


def tito_package() -> dict[str, bytes]:
    """The student-side `tito` package (standard library only), shipped as the top-level folder `tito/`, with
    the engine's rewrite of bare asserts as tito/assertvalues.py: students see a failed assert's values as
    validation shows them to instructors (one file, tasks/kernel/assertvalues.py)."""
    from ..kernel.execute import ASSERT_VALUES

    base = RESOURCES / "tito"
    files = {
        f"tito/{p.relative_to(base).as_posix()}": p.read_bytes()
        for p in sorted(base.rglob("*.py"))
        if "__pycache__" not in p.parts
    }
    return {**files, "tito/assertvalues.py": ASSERT_VALUES.read_bytes()}


def run_all_hook() -> dict[str, Path]:
    """The student repository's files the Run All cell of a student notebook imports (variants/stubs.py)."""
    return {name: RESOURCES / name for name in ("tito/__init__.py", "tito/runall.py")}


# the generated files that carry course text (names, schedule, package_init code); the others are the engine's
# own student tools (tito/, tools/export.py, pyproject, .gitignore, requirements), the same for every course
COURSE_CONTENT = ("README.md", SCHEDULE, "tinytorch/__init__.py")


def package_init(course) -> bytes:
    """The students' tinytorch/__init__.py: the student set-up, then course.yaml's package_init code when given
    (the same code the course's own tinytorch/__init__.py runs)."""
    base = (STUDENT / "tinytorch_init.py").read_bytes()
    if not course.package_init:
        return base
    code = (course.root / course.package_init).read_text(encoding="utf-8")
    return base + f"\n# The course's package set-up (course.yaml package_init: {course.package_init})\n{code}".encode(
        "utf-8"
    )


def course_files(course, paths, present: set[str]) -> dict[str, bytes]:
    from importlib import metadata  # costs ~0.1 s: only when releasing

    from ..compile.compiled import compiled  # lazy: task creators import run_all_hook on every `doit` start
    from ..variants.leakguard import guard

    numpy = metadata.version("numpy")
    files = {
        "README.md": README.format(name=course.name).encode("utf-8"),
        SCHEDULE: schedule(course, paths, present),
        "requirements.txt": (STUDENT / "requirements.txt")
        .read_text()
        .format(numpy=numpy, jupyterlab=JUPYTERLAB)
        .encode(),
        "pyproject.toml": (STUDENT / "pyproject.toml").read_bytes(),
        ".gitignore": (STUDENT / "gitignore").read_bytes(),
        "tinytorch/__init__.py": package_init(course),
        "tools/export.py": (RESOURCES / "student_export.py").read_bytes(),
        **tito_package(),
    }
    carrying = {name: files[name] for name in COURSE_CONTENT}
    for module in course.parts:  # generated from the course, they reach students too: scanned like every other file
        guard(compiled(paths, module, course.markup).source, carrying, markup=course.markup)
    return files
