"""The doit task graph: the only layer that imports doit. `boot` prepares a run (lock, signals, config),
`task_*` are the task creators dodo.py exposes, `engine` tracks which engine files each task depends on,
`reporter` prints a run, `doitutil` holds the shared task helpers."""
