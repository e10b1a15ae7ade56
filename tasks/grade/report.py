"""`tito grades`: the gradebook as a summary (per module: submissions, mean, median, failures by test), a wide
CSV (one row per student, one column per module, plus the total), a long CSV (one row per student and graded
cell) and a PNG of each module's score distribution. A CSV of hand scores (written answers) is checked against
the gradebook and stored in it first (its hand_scores table: regrading keeps them).

Rows are the gradebook's (gradebook.results): student, module, grade_id, points, max_points, outcome, message,
hand_points, has_result. A submission whose grading failed has no result: no grade anywhere (an empty cell,
no total, not in the mean or the plot), its long rows with empty points and the reason. Tables and summaries
are pure functions of rows; matplotlib (Agg) is imported only to draw.
"""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path

from ..base.errors import CourseError, Finding
from ..base.fsutil import write_atomic

LONG_COLUMNS = ("student", "module", "grade_id", "points", "max_points", "outcome", "message")
HAND_COLUMNS = ("student", "module", "grade_id", "points")
FAILED = ("failed", "error", "not_attempted")


def number(value) -> str:
    """Points as written in CSV: 5 not 5.0, 2.5 as is."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


# --- hand scores ----------------------------------------------------------------------------------------


def read_hand_scores(text: str, file: str, rows: list[dict]) -> list[dict]:
    """The hand-score CSV (student,module,grade_id,points[,comment]) checked against the gradebook's cells:
    one dict per row (student, module, grade_id, points, comment); every bad row named by line."""
    text = text.lstrip("\ufeff")
    header = [h.strip() for h in next(csv.reader(io.StringIO(text)), [])]
    missing = [c for c in HAND_COLUMNS if c not in header]
    if missing:
        raise CourseError.at(
            file,
            1,
            f"the hand-score file has no column {', '.join(missing)}; its header must be student,module,grade_id,points (comment optional)",
        )
    maxima = {(r["module"], r["grade_id"]): float(r["max_points"]) for r in rows}
    students = {(r["student"], r["module"]) for r in rows}
    found, problems = [], []
    for line, entry in enumerate(csv.DictReader(io.StringIO(text)), 2):
        entry = {k.strip(): (v or "").strip() for k, v in entry.items() if k}
        problem = _hand_problem(entry, maxima, students)
        if problem:
            problems.append(Finding(file, line, problem))
        else:
            found.append(
                {
                    "student": entry["student"],
                    "module": entry["module"],
                    "grade_id": entry["grade_id"],
                    "points": float(entry["points"]),
                    "comment": entry.get("comment", ""),
                }
            )
    if problems:
        raise CourseError(problems)
    return found


def _hand_problem(entry: dict, maxima: dict, students: set) -> str | None:
    key = (entry.get("module", ""), entry.get("grade_id", ""))
    if key not in maxima:
        return f"module '{key[0]}' has no graded cell '{key[1]}' in the gradebook; check the module name and grade id"
    if (entry.get("student"), key[0]) not in students:
        return f"student '{entry.get('student')}' has no graded submission of module '{key[0]}' in the gradebook; check the id"
    try:
        points = float(entry.get("points", ""))
    except ValueError:
        return f"points '{entry.get('points')}' is not a number"
    if not 0 <= points <= maxima[key]:
        return f"points {entry['points']} is outside 0..{number(maxima[key])} for cell '{key[1]}'"
    return None


def effective(rows: list[dict]) -> list[dict]:
    """The gradebook rows with each merged hand score (`hand_points`) as the cell's points."""
    return [dict(r, points=r["hand_points"]) if r.get("hand_points") is not None else r for r in rows]


# --- tables -----------------------------------------------------------------------------------------------


def _no_result(row: dict) -> bool:
    """The row of a submission whose grading failed (rows built elsewhere, without the flag, have a result)."""
    return not row.get("has_result", True)


def totals(rows: list[dict]) -> dict[tuple[str, str], float]:
    """(student, module) -> points earned, for every submission with a result."""
    found: dict[tuple[str, str], float] = {}
    for r in rows:
        if not _no_result(r):
            found[(r["student"], r["module"])] = found.get((r["student"], r["module"]), 0.0) + float(r["points"])
    return found


def _module_maxima(rows: list[dict]) -> dict[str, float]:
    cells = {(r["module"], r["grade_id"]): float(r["max_points"]) for r in rows}
    found: dict[str, float] = {}
    for (module, _), points in cells.items():
        found[module] = found.get(module, 0.0) + points
    return found


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell as a formula (OWASP)


def spreadsheet_cell(value) -> str:
    """A CSV cell a spreadsheet shows as written: a number as `number`, text starting like a formula behind a
    `'` (OWASP's rule against CSV injection: student ids, messages and grade ids are the students' text), its
    line ends as `\n` (the csv module would leave a lone `\r` unquoted, splitting the row)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    text = str(value)
    text = "'" + text if text.startswith(FORMULA_START) else text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _csv_text(header, rows) -> str:
    """The CSV of `header` and `rows`, every cell through `spreadsheet_cell` (numbers stay numbers)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(c) for c in header])
    writer.writerows([spreadsheet_cell(c) for c in row] for row in rows)
    return out.getvalue()


def wide_csv(rows: list[dict], modules: list[str], assignments: dict[str, list[str]] | None = None) -> str:
    """student, one column per module (empty: nothing graded, or its grading failed), one per nbgrader assignment
    of several notebooks (`assignments`: its modules; the sum of theirs, empty while one of them has no grade),
    total (empty while a module's grading failed); the first data row is the maximum."""
    scores, maxima = totals(rows), _module_maxima(rows)
    groups = {name: [m for m in members if m in modules] for name, members in (assignments or {}).items()}
    students = sorted({r["student"] for r in rows})
    waiting = {r["student"] for r in rows if _no_result(r) and r["module"] in modules}
    body = [
        ["(max)"]
        + [maxima[m] for m in modules]
        + [sum(maxima[m] for m in members) for members in groups.values()]
        + [sum(maxima[m] for m in modules)]
    ]
    for student in students:
        cells = [scores[(student, m)] if (student, m) in scores else "" for m in modules]
        grouped = [
            sum(scores[(student, m)] for m in members) if all((student, m) in scores for m in members) else ""
            for members in groups.values()
        ]
        total = "" if student in waiting else sum(scores.get((student, m), 0.0) for m in modules)
        body.append([student] + cells + grouped + [total])
    return _csv_text(["student", *modules, *groups, "total"], body)


def long_csv(rows: list[dict]) -> str:
    return _csv_text(
        LONG_COLUMNS,
        [
            [
                r["student"],
                r["module"],
                r["grade_id"],
                "" if _no_result(r) else float(r["points"]),
                float(r["max_points"]),
                r["outcome"],
                r.get("message") or "",
            ]
            for r in rows
        ],
    )


def _module_summary(rows: list[dict], module: str) -> str:
    """`tensor: 20 submissions, mean 31.5 / 45, median 35; failed: test-x 6, test-y 2`, and how many
    submissions have no result yet (their grading failed)."""
    mine = [r for r in rows if r["module"] == module]
    scores = list(totals(mine).values())
    failed: dict[str, int] = {}
    for r in mine:
        if r["outcome"] in FAILED and not _no_result(r):
            failed[r["grade_id"]] = failed.get(r["grade_id"], 0) + 1
    ranked = sorted(failed.items(), key=lambda item: (-item[1], item[0]))
    failures = "; failed: " + ", ".join(f"{g} {n}" for g, n in ranked) if ranked else "; no test failed"
    by_hand = sum(r["outcome"] == "hand" and r.get("hand_points") is None and not _no_result(r) for r in mine)
    failures += f"; {by_hand} answer(s) to grade by hand" if by_hand else ""
    waiting = len({r["student"] for r in mine if _no_result(r)})
    retry = f"; {waiting} not graded (grading failed): run `tito grade {module}` again" if waiting else ""
    if not scores:
        return f"{module}: no graded submission{retry}"
    return (
        f"{module}: {len(scores)} submission(s), mean {number(round(statistics.mean(scores), 2))} / {number(_module_maxima(mine)[module])}, "
        f"median {number(statistics.median(scores))}{failures}{retry}"
    )


def summary(rows: list[dict], modules: list[str]) -> str:
    return "\n".join(_module_summary(rows, m) for m in modules)


# --- the picture -----------------------------------------------------------------------------------------


def score_plot(scores: list[float], maximum: float, title: str) -> bytes:
    """A histogram of module scores as PNG bytes (no timestamp in it: same scores, same file)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), dpi=100)
    axes = figure.subplots()
    axes.hist(
        scores, bins=min(20, max(1, int(maximum) or 1)), range=(0, maximum or 1), color="#4C72B0", edgecolor="white"
    )
    axes.set_title(title)
    axes.set_xlabel(f"points (of {number(maximum)})")
    axes.set_ylabel("students")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


# --- the command -------------------------------------------------------------------------------------------


def write_reports(course, paths, rows: list[dict]) -> str:
    """Both CSVs and one PNG per graded module from gradebook rows (hand scores merged); the summary."""
    rows = effective(rows)
    graded = {r["module"] for r in rows}
    modules = [m for m in course.parts if m.name in graded]  # a column per notebook
    if not modules:
        raise CourseError.at(
            paths.rel(paths.gradebook), None, "the gradebook has no results yet; run `tito grade MODULE` first"
        )
    names = [m.name for m in modules]
    assignments: dict[str, list[str]] = {}
    for module in course.modules:
        if module.assignment:
            assignments.setdefault(module.assignment, []).append(module.name)
        if module.notebooks:  # and one per module of several notebooks: their sum
            assignments[module.name] = [part.name for part in module.parts]
    write_atomic(paths.grades_csv, wide_csv(rows, names, assignments))
    write_atomic(paths.grades_long_csv, long_csv(rows))
    scores, maxima = totals(rows), _module_maxima(rows)
    for module in modules:
        mine = [points for (s, m), points in sorted(scores.items()) if m == module.name]
        write_atomic(
            paths.score_plot(module), score_plot(mine, maxima[module.name], f"{module.name}: {len(mine)} submission(s)")
        )
    return (
        summary(rows, names)
        + f"\nwrote {paths.rel(paths.grades_csv)}, {paths.rel(paths.grades_long_csv)} and {len(modules)} score plot(s) in {paths.rel(paths.grades_dir)}/"
    )


def _import_hand_scores(db, hand_file: str) -> int:
    """Check the hand-score CSV against the gradebook and store every row in it (all or nothing)."""
    from .gradebook import results, set_hand_score

    try:
        text = Path(hand_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError.at(
            hand_file, None, f"the hand-score file cannot be read ({error}); give a UTF-8 CSV file"
        ) from None
    scores = read_hand_scores(text, hand_file, results(db))
    for entry in scores:
        set_hand_score(db, entry["student"], entry["module"], entry["grade_id"], entry["points"], entry["comment"])
    return len(scores)


def grades_command(course, paths, hand_file: str | None = None) -> str:
    """`tito grades [--hand FILE]`: merge hand scores into the gradebook, then write and summarise."""
    from .gradebook import open_gradebook, results

    if not paths.gradebook.exists():
        raise CourseError.at(
            paths.rel(paths.gradebook), None, "there is no gradebook yet; run `tito grade MODULE` first"
        )
    db = open_gradebook(paths.gradebook)
    try:
        merged = f"merged {_import_hand_scores(db, hand_file)} hand score(s) from {hand_file}\n" if hand_file else ""
        return merged + write_reports(course, paths, results(db))
    finally:
        db.close()
