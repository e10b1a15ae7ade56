"""doit's md5 file checker, with each file's md5 computed once per process and version of the file.

After each task doit saves the (mtime, size, md5) of every file_dep. Each task depends on the ~35 engine files
it imports (engine.engine_files), so a cold build of 20 modules read and hashed the same files ~2000 times.
Here a file's md5 is remembered by (path, mtime_ns, size) for the rest of the process: the state saved is
exactly doit's own, and trusting an unchanged mtime is what doit's checker already does. The class keeps
doit's name, `MD5Checker`: doit stores it with each task, and another name would rebuild everything once.
"""

from __future__ import annotations

import os

from doit.dependency import MD5Checker as DoitMD5Checker
from doit.dependency import get_file_md5


class MD5Checker(DoitMD5Checker):
    def __init__(self):
        self.known: dict[tuple[str, int, int], str] = {}

    def get_state(self, dep, current_state):
        """(mtime, size, md5) as doit computes them, or None when the saved state has the same mtime."""
        stat = os.stat(dep)
        if current_state and current_state[0] == stat.st_mtime:
            return None
        key = (dep, stat.st_mtime_ns, stat.st_size)
        if key not in self.known:
            self.known[key] = get_file_md5(dep)
        return stat.st_mtime, stat.st_size, self.known[key]
