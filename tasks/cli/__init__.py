"""`tito`, the instructor's command-line front door: argument parsing and what is printed around the engine.

- `grade.py`  `tito grade MODULE... | --all [--feedback]`, `tito module grade MODULE` (tasks/grade/)
"""
