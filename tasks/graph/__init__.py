"""The doit task graph: the only layer that imports doit. `boot` prepares a run (lock, signals, config),
`kinds` is the registry of task kinds (creator, output folders, default) that dodo.py,
boot and prune read, `task_*` are the creators (each takes (course, paths)),
`reporter` prints a run, `doitutil` holds the shared task helpers, `variables` reads and checks the
command-line variables (`week=5`, `errata=1`) of every task."""
