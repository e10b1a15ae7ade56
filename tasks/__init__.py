"""coursebuild: the engine behind dodo.py, in subpackages by stage; imports point down this list only.

- `base/`      the error type and atomic writes
- `course/`    course.yaml, paths, the course in this process
- `notebook/`  reading and rendering notebooks
- `variants/`  the build variants (student, solution, ...): markers, transforms (where stubs are made), pipeline, leak guard, lint
- `package/`   exports into tinytorch/, archives
- `kernel/`    execution in a Jupyter kernel
- `release/`   releases to the student git repository
- `graph/`     doit task creators (the only place that imports doit)
See docs/architecture.md.
"""
