"""A module source compiled once (`compiled.py`): the one record of a source file (its notebook with the line
map, each cell's role, every build variant of the registry, the stubs as data, the code digests, grade ids and
its package export) that the tasks, releases, grading, feedback and the nbgrader export read instead of the
file."""
