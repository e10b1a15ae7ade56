"""coursebuild: the engine behind dodo.py.

One concern per module: `config` reads course.yaml, `paths` computes every path, `source` reads module
sources, `markers`/`transforms`/`pipeline` turn a notebook into its student and solution versions,
`leakguard` proves no solution reached a student artifact, `lint` checks sources, `export`/`execute`/
`archive`/`release` do the rest. `task_*` modules hold the doit task creators that dodo.py imports.
"""
