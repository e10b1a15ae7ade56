"""Foundations every layer uses: the one error type (`errors.CourseError`, findings with file:line) and
atomic file writes (`fsutil`). Imports nothing else of the engine."""
