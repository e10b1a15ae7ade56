"""Your repository's git, as `tito update` and `tito submit` use it: one home for their shared rules.

- every git command tito runs ignores your hooks and signing settings (they cannot block or change tito's
  own commits and merges), never opens an editor and never asks for a password without a terminal;
- the saving commit: everything you changed, except untracked secrets (`.env`, keys) and untracked files
  over 10 MB, which stay in your folder, out of git, with a line saying so;
- which remote is the course's (`course`, else `origin`) and which is your own (`origin` once the course
  has a remote of its own, or the one `tito submit --to` set);
- the states tito refuses to work in (a merge in progress, another git running, a detached HEAD), each with
  the one command that gets you out of it.
Standard library only.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .repo import Stop

COURSE = "course"  # the course's remote once you have a repository of your own
OWN_KEY = "tito.submitTo"  # git config: the remote tito submits to, when `tito submit --to` had to say it
FALLBACK_NAME, FALLBACK_EMAIL = "TinyTorch student", "student@tinytorch.invalid"
SECRETS = (".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*")
MAX_COMMIT_BYTES = 10 * 2**20
IN_PROGRESS = {  # .git entry -> (what, the command that undoes it)
    "MERGE_HEAD": ("a merge", "git merge --abort"),
    "rebase-merge": ("a rebase", "git rebase --abort"),
    "rebase-apply": ("a rebase", "git rebase --abort"),
    "CHERRY_PICK_HEAD": ("a cherry-pick", "git cherry-pick --abort"),
    "REVERT_HEAD": ("a revert", "git revert --abort"),
    "BISECT_LOG": ("a bisect", "git bisect reset"),
}


def git(repo: Path, *args: str, env: dict | None = None, check: bool = True, prompt: bool = False):
    """Run git in `repo` without hooks, signing or an editor; a failure raises Stop with git's reason."""
    settings = ["-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false"]
    environ = {
        **os.environ,
        "GIT_EDITOR": "true",
        "GIT_MERGE_AUTOEDIT": "no",
        "GIT_TERMINAL_PROMPT": "1" if prompt and sys.stdin.isatty() else "0",
        "LC_ALL": "C",
        **(env or {}),
    }
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *settings, *args], capture_output=True, text=True, env=environ, stdin=None
        )
    except FileNotFoundError:
        raise Stop("git is not installed here.\nNext: install it (e.g. `sudo apt install git`)") from None
    if "index.lock" in proc.stderr and proc.returncode != 0:
        raise Stop(locked(repo))
    if check and proc.returncode != 0:
        raise Stop(
            f"`git {' '.join(args)}` failed: {reason(proc)}\nNext: run the tito command again; if it fails the same way, show this to your course staff"
        )
    return proc


def blob(repo: Path, spec: str) -> bytes:
    """The bytes of `spec` (`HEAD:path`), as committed."""
    return subprocess.run(["git", "-C", str(repo), "cat-file", "blob", spec], capture_output=True, check=True).stdout


def reason(proc) -> str:
    """git's own reason: its first line, without git's "fatal:" or "error:" label."""
    lines = [line.strip() for line in (proc.stderr or proc.stdout).split("\n") if line.strip()]
    first = lines[0].removeprefix("fatal: ").removeprefix("error: ").rstrip(".") if lines else ""
    return f"{first[:300]}." if first else f"git exited with {proc.returncode}."


def out(repo: Path, *args: str) -> str:
    return git(repo, *args).stdout.strip()


def ok(repo: Path, *args: str) -> bool:
    return git(repo, *args, check=False).returncode == 0


def git_dir(repo: Path) -> Path:
    return Path(out(repo, "rev-parse", "--absolute-git-dir"))


def locked(repo: Path) -> str:
    lock = Path(".git") / "index.lock"
    return (
        f"another git command is running in this repository, or one stopped half-way and left {lock} behind. "
        "Nothing was changed.\n"
        f"Next: `rm {lock}` if no git is running (an editor's git panel, a crashed git), then the tito command again"
    )


def ready(repo: Path, command: str) -> str:
    """The branch you are on; Stop (nothing changed) on a folder that is not a git repository, an operation in
    progress, another git's lock, or a detached HEAD."""
    if not ok(repo, "rev-parse", "--git-dir"):
        raise Stop(
            f"{repo} is not a git repository (no .git folder), so `{command}` cannot work here: a downloaded copy?\n"
            "Next: `git clone URL` (your repository, as the student guide says), and work in that clone"
        )
    where = git_dir(repo)
    for marker, (what, undo) in IN_PROGRESS.items():
        if (where / marker).exists():
            raise Stop(
                f"git is in the middle of {what} here (started by you or a tool). Nothing was changed.\n"
                f"Next: `{undo}` (undoes it; your commits stay), then `{command}` again"
            )
    if (where / "index.lock").exists():
        raise Stop(locked(repo))
    branch = out(repo, "symbolic-ref", "-q", "--short", "HEAD") if ok(repo, "symbolic-ref", "-q", "HEAD") else ""
    if branch:
        return branch
    listed = out(repo, "for-each-ref", "--contains", "HEAD", "--format=%(refname:short)", "refs/heads/")
    holding = [b for b in listed.split("\n") if b]
    if holding:
        name = next((b for b in ("main", "master") if b in holding), holding[0])
        raise Stop(
            f"you are not on a branch (a 'detached HEAD', e.g. after `git checkout COMMIT`); what you see is also "
            f"on branch {name}. Nothing was changed.\nNext: `git switch {name}`, then `{command}` again"
        )
    raise Stop(
        "you are not on a branch (a 'detached HEAD'), and the commits you made here are on no branch yet. "
        f"Nothing was changed.\nNext: `git switch -c my-work` (keeps them on a branch of their own), then "
        f"`{command}` again"
    )


def identity(repo: Path) -> dict:
    """Environment for commits: nothing when git knows who you are, else a stand-in name (said aloud)."""
    if ok(repo, "var", "GIT_COMMITTER_IDENT") and ok(repo, "var", "GIT_AUTHOR_IDENT"):
        return {}
    print(
        f"note: git does not know your name; commits are made as '{FALLBACK_NAME}' "
        f'(set yours with: git config --global user.name "Your Name"; git config --global user.email you@example.com)'
    )
    return {
        "GIT_AUTHOR_NAME": FALLBACK_NAME,
        "GIT_AUTHOR_EMAIL": FALLBACK_EMAIL,
        "GIT_COMMITTER_NAME": FALLBACK_NAME,
        "GIT_COMMITTER_EMAIL": FALLBACK_EMAIL,
    }


def has_head(repo: Path) -> bool:
    return ok(repo, "rev-parse", "--verify", "-q", "HEAD")


# --- the saving commit ---------------------------------------------------------------------------------


@dataclass
class Saved:
    files: list[str] = field(default_factory=list)  # committed
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (file, why) still in the folder, not in git

    def say(self, what: str) -> None:
        if self.files:
            shown = ", ".join(self.files[:5]) + (", ..." if len(self.files) > 5 else "")
            print(f"{what} ({len(self.files)} file(s): {shown}).")
        for path, why in self.left_out:
            print(f"Left out of git (still in your folder): {path}: {why}.")


def left_out_why(repo: Path, path: str) -> str | None:
    """Why an untracked file stays out of tito's commits (a secret, or too big), or None."""
    name = path.rsplit("/", 1)[-1]
    if any(fnmatch.fnmatch(name, pattern) for pattern in SECRETS):
        return "it looks like a secret (passwords, keys), and tito never commits those"
    try:
        size = (repo / path).lstat().st_size
    except OSError:
        return None
    if size > MAX_COMMIT_BYTES:
        return f"{size / 2**20:.1f} MB, more than the {MAX_COMMIT_BYTES // 2**20} MB tito commits (to commit it anyway: `git add {path}`)"
    return None


def untracked(repo: Path, under: str | None = None) -> list[str]:
    listing = git(repo, "ls-files", "-z", "--others", "--exclude-standard", "--", *([under] if under else [])).stdout
    return [p for p in listing.split("\0") if p]


def save_work(repo: Path, env: dict, message: str, under: str | None = None) -> Saved:
    """Commit every change (in folder `under` only, if given): tracked changes, deletions and new files, but
    not untracked secrets or big files, which stay in the folder."""
    saved = Saved()
    new = untracked(repo, under)
    saved.left_out = [(p, why) for p in new if (why := left_out_why(repo, p))]
    skip = {p for p, _ in saved.left_out}
    git(repo, "add", "-u", *(["--", under] if under else []))
    adding = [p for p in new if p not in skip]
    for start in range(0, len(adding), 200):
        git(repo, "--literal-pathspecs", "add", "--", *adding[start : start + 200])
    staged = git(repo, "diff", "--cached", "--name-only", "-z", "--no-renames", "--", *([under] if under else []))
    saved.files = [p for p in staged.stdout.split("\0") if p]
    if saved.files:
        git(repo, "commit", "-q", "--no-verify", "-m", message, *(["--", under] if under else []), env=env)
    return saved


# --- remotes --------------------------------------------------------------------------------------------


def remotes(repo: Path) -> list[str]:
    return [r for r in out(repo, "remote").split("\n") if r]


def url(repo: Path, remote: str) -> str:
    return out(repo, "remote", "get-url", remote)


def own_remote(repo: Path) -> str | None:
    """The remote of your own repository, where `tito submit` pushes: the one `tito submit --to` recorded, else
    `origin` when the course has a remote of its own (`course`); None when tito cannot tell."""
    found = remotes(repo)
    told = git(repo, "config", "--get", OWN_KEY, check=False).stdout.strip()
    if told in found:
        return told
    if COURSE in found and "origin" in found:
        return "origin"
    return None


def course_remote(repo: Path) -> str | None:
    """The remote the course comes from: `course`, else `origin` unless origin is your own repository."""
    found = remotes(repo)
    if COURSE in found:
        return COURSE
    if "origin" in found and own_remote(repo) != "origin":
        return "origin"
    return None
