"""Reading and writing notebooks: module sources (.py percent or .ipynb) into notebooks with a map back to
source lines (`source`, `percent`), the dict-based notebook model (`nbnode`), deterministic .ipynb/.py
rendering (`render`), executed outputs merged into built notebooks (`outputs`), nbgrader's cell metadata read
one way (`nbgrader`), and nbformat/jupytext/nbclient imported without a slow optional grammar
(`lightimport`). No course knowledge."""
