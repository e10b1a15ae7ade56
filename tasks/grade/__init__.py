"""Grading: collecting submissions (collect, roster, intake, repos), grade reports (report), nbgrader interop
(nbgrader_export). Imports point down to release/ and below; only tasks/cli/ imports this package."""
