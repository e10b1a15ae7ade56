"""The environment of every git command the engine runs, decided here and nowhere else.

What it is laid over `os.environ` (GitPython's `execute(env=...)` does that itself; a `subprocess.run` caller
writes `{**os.environ, **git_env(...)}`):
- always: git never prompts (`GIT_TERMINAL_PROMPT=0`) and speaks English (`LC_ALL=C`: messages are parsed);
- unless `own_config` (the instructor's own course repository, `tito system health`): none of the machine's
  configuration (CI has none; a user's may sign or hook commits);
- `author`: who commits (course.yaml's student_repo.author), author and committer alike;
- `remote`: a fetch from a host that may ask for a password or a host key answers no at once, instead of
  waiting for a person (ssh in batch mode, askpass refusing).

The student package's own git commands (release/resources/tito/gitwork.py, repo.py) run on the students'
machines, standard library only, and keep their own copy of the first rule."""

from __future__ import annotations

import os


def git_env(*, author=None, own_config: bool = False, remote: bool = False) -> dict:
    """The variables to set for one git command (see the module docstring for each choice)."""
    env = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    if not own_config:
        env |= {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if author is not None:
        env |= {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
    if remote:
        env |= {
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=20",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
        }
    return env
