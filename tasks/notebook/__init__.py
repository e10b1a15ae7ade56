"""Reading and writing notebooks: module sources (.py percent or .ipynb) into notebooks with a map back to
source lines (`source`, `percent`), the dict-based notebook model (`nbnode`), deterministic .ipynb/.py
rendering (`render`), and executed outputs merged into built notebooks (`outputs`). No course knowledge."""
