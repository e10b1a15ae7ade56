"""Feedback per student and module: one self-contained HTML file, readable offline.

Built only from what the student may see: the gradebook's results (each test passed or failed, the error
type and message, as grading disclosed them: score.disclosed), the notes about their submission, and their
own answer cells. No test source is put in, so hidden tests cannot appear by construction; the text is still
run through the leak guard before it is written, and a feedback file that would leak is not written. What
grading reported (messages, notes: text the submission's code can shape) may hold no line of a hidden test,
an instructor cell or, until the module's solutions are out, the reference solution; the student's own code
is shown as they wrote it, and may hold reference lines (a student may write one), not hidden or instructor
ones.
"""

from __future__ import annotations

import html

from ..course.model import Markup
from ..base.fsutil import write_atomic
from ..variants.leakguard import scan_bytes, secret_lines
from ..variants.registry import VARIANTS
from .report import effective

OUTCOME_LABELS = {
    "passed": "passed",
    "failed": "failed",
    "not_attempted": "not attempted",
    "error": "not graded",
    "hand": "graded by hand",
}
STYLE = (
    "body{font-family:sans-serif;max-width:56em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    ".passed{background:#e6f4e6}.failed,.error{background:#fbe9e9}.not_attempted{background:#fff6dd}.hand{background:#eef}"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}"
)


def feedback_model(
    student: str, label: str, submission: dict, results: list[dict], code: list[tuple[str, str]]
) -> dict:
    """Everything the feedback shows, as plain data (`code`: (answer cell, the student's source)); each cell's
    points with its merged hand score (report.effective, as in every table)."""
    results = effective(results)
    return {
        "student": student,
        "module": label,
        "score": sum(r["points"] for r in results),
        "max_score": sum(r["max_points"] for r in results),
        "message": submission.get("message", ""),
        "notes": list(submission.get("notes", [])),
        "tests": [
            {
                "name": r["grade_id"],
                "outcome": r["outcome"],
                "points": r["points"],
                "max_points": r["max_points"],
                "error_type": r["error_type"],
                "message": r["message"],
            }
            for r in results
        ],
        "code": code,
    }


def _reported_text(model: dict) -> str:
    """Every text on the page but the student's own code, each on lines of its own: what grading reported
    (the message, notes, each test's error type and message) and the names around it."""
    return "\n".join(_texts({key: value for key, value in model.items() if key != "code"}))


def _texts(value) -> list[str]:
    """Every string in `value` (dicts, lists and tuples of them, at any depth)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _texts(item)] if isinstance(value, (list, tuple)) else []


def _code_text(model: dict) -> str:
    """The student's own code on the page."""
    return "\n".join(source for _, source in model["code"])


def render_html(model: dict) -> str:
    e = html.escape
    pending = any(t["outcome"] == "hand" for t in model["tests"])
    rows = "".join(
        f"<tr class='{e(t['outcome'])}'><td>{e(t['name'])}</td><td>{e(OUTCOME_LABELS.get(t['outcome'], t['outcome']))}</td>"
        f"<td>{t['points']:g} / {t['max_points']:g}</td><td>{e(t['error_type'])}{': ' if t['error_type'] else ''}{e(t['message'])}</td></tr>"
        for t in model["tests"]
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in model["notes"])
    code = "".join(f"<h3>{e(name)}</h3><pre>{e(source)}</pre>" for name, source in model["code"])
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{e(model['module'])}: feedback for {e(model['student'])}</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>{e(model['module'])}: feedback for {e(model['student'])}</h1>\n"
        f"<p><strong>Score: {model['score']:g} / {model['max_score']:g}</strong>{' (written answers are still to be graded by hand)' if pending else ''}</p>\n"
        + (f"<p class='error'>{e(model['message'])}</p>\n" if model["message"] else "")
        + (f"<h2>About your submission</h2><ul>{notes}</ul>\n" if notes else "")
        + f"<h2>Tests</h2><table><tr><th>test</th><th>result</th><th>points</th><th>error</th></tr>{rows}</table>\n"
        + (f"<h2>Your code</h2>{code}\n" if code else "")
        + "</body></html>\n"
    )


def page_secrets(source, solutions_out: bool, markup=Markup()) -> tuple[dict, dict]:
    """(secret lines for what grading reported, for the student's own code) of a module's feedback pages: the
    student version's secrets (the reference solution too) until the solutions are out, then the public
    solution's; the student's code only the public solution's."""
    public = secret_lines(source.nb, VARIANTS["public_solution"].secrets, markup)
    return (public if solutions_out else secret_lines(source.nb, VARIANTS["student"].secrets, markup)), public


def guarded_html(model: dict, source, secrets: tuple[dict, dict]) -> str:
    """The HTML, after the leak guard found no secret line in its text (`secrets`: page_secrets)."""
    from ..base.errors import CourseError

    name = f"feedback for {model['student']} ({model['module']})"
    findings = [
        finding
        for found, text in zip(secrets, (_reported_text(model), _code_text(model)))
        for finding in scan_bytes(found, name, text.encode("utf-8"), source.location)
    ]
    if findings:
        raise CourseError(findings)
    return render_html(model)


def write_feedback(course, paths, module, db) -> list[str]:
    """Feedback files for every graded student of `module` (not for a submission whose grading failed: `tito
    grade` has just reported it, and it has no result to show); returns the problems (one per student skipped)."""
    from ..base.errors import CourseError
    from ..notebook.frame import read_notebook
    from ..release.course_files import solutions_released
    from . import gradebook
    from .bundle import load_bundle
    from .submissions import read_submission

    source = read_notebook(paths, module)
    bundle = load_bundle(course, paths, module, package={})
    secrets = page_secrets(source, solutions_released(course, paths, module), course.markup)
    results_by_student: dict[str, list[dict]] = {}
    for row in gradebook.results(db, module.name):
        results_by_student.setdefault(row["student"], []).append(row)
    problems = []
    for submission in gradebook.submissions(db, module.name):
        student = submission["student"]
        if not gradebook.has_result(submission["key"]):
            continue
        code = own_code(
            read_submission(paths.root / submission["path"], submission["path"], student, module.name, bundle), bundle
        )
        model = feedback_model(student, module.slug, submission, results_by_student.get(student, []), code)
        try:
            write_atomic(paths.feedback_file(student, module), guarded_html(model, source, secrets))
        except CourseError as error:
            problems.append(f"feedback for {student} ({module.name}) not written: {error}")
    return problems


def own_code(submission, bundle) -> list[tuple[str, str]]:
    if submission.answers is None:
        return []
    given = dict(submission.answers.cells)
    return [(c.grade_id or c.id, given[c.id]) for c in bundle.answers() if given.get(c.id) is not None]
