"""Grading: submissions in, a gradebook and feedback out.

Owns everything between a collected submission (`submissions/<student>/<module>/<name>.ipynb`) and the
gradebook: the module bundle a grading task carries (bundle.py), tamper-proof rehydration of a submission
into the pristine instructor notebook (rehydrate.py), isolated execution of one submission (runner.py),
scoring by nbgrader's rules (score.py), the one pure grading task (task.py), the SQLite gradebook with
incremental regrading (gradebook.py), reading submissions whatever their state (submissions.py), Dask
scheduling over TLS, or none for a few submissions (cluster.py), progress with ETA (progress.py), the grading run
that ties them together (run.py), one run at a time per course (lock.py), and per-student feedback (feedback.py).
Around it: collecting submissions (collect.py,
from the roster (roster.py) of git repositories (repos.py) or a folder, each file checked by intake.py), grade
reports and hand scores (report.py), the nbgrader course export (nbgrader_export.py), which build on the
gradebook's read API, and the import of an nbgrader course into modules (nbgrader_import.py).
"""
