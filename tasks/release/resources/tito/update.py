"""Get the new week's material: `tito update` (or `python3 -m tito.update`).

Works on a plain git (no pull settings, no editor): it saves your uncommitted work in a commit, fetches
the course, and merges it. Nothing of yours is lost: where the course changed a file you changed too,
the course's version takes the file's place and yours is kept beside it as NAME.mine.EXT. It says what
it did, and stops with a clear message (changing nothing) when it cannot go on.
Standard library only; written by coursebuild, the course staff keep it up to date.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

FALLBACK_NAME, FALLBACK_EMAIL = "TinyTorch student", "student@tinytorch.invalid"
IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}


class Stop(Exception):
    """A problem the student can fix: the message says how."""


def git(repo: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_EDITOR": "true", "GIT_MERGE_AUTOEDIT": "no", "GIT_TERMINAL_PROMPT": "0", **(env or {})},
    )
    if check and proc.returncode != 0:
        raise Stop(f"`git {' '.join(args)}` failed: {(proc.stderr or proc.stdout).strip()}")
    return proc


def identity(repo: Path) -> dict:
    """Environment for commits: nothing when git knows who you are, else a stand-in name (said aloud)."""
    if (
        git(repo, "var", "GIT_COMMITTER_IDENT", check=False).returncode == 0
        and git(repo, "var", "GIT_AUTHOR_IDENT", check=False).returncode == 0
    ):
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


def check_ready(repo: Path) -> str:
    """The current branch; stop on a missing repo, an operation in progress, or a detached HEAD."""
    if git(repo, "rev-parse", "--git-dir", check=False).returncode != 0:
        raise Stop(f"{repo} is not a git repository; run this inside your clone of the course repository")
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir").stdout.strip())
    for marker, what in IN_PROGRESS.items():
        if (git_dir / marker).exists():
            raise Stop(
                f"git is in the middle of {what} here; finish it (or undo it with `git {what.split()[-1]} --abort`), then run the update again"
            )
    if (git_dir / "index.lock").exists():
        raise Stop(
            f"another git command is running here (or crashed and left {git_dir / 'index.lock'}); if none is running, delete that file and run the update again"
        )
    branch = git(repo, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    if not branch:
        raise Stop(
            "you are not on a branch (a 'detached HEAD'); run `git switch main` first (your commits stay reachable), then the update"
        )
    return branch


def upstream(repo: Path, branch: str) -> tuple[str, str]:
    """(remote, remote branch) to update from: the branch's upstream, else origin/<branch>."""
    remote = git(repo, "config", f"branch.{branch}.remote", check=False).stdout.strip() or "origin"
    merge = (
        git(repo, "config", f"branch.{branch}.merge", check=False).stdout.strip().removeprefix("refs/heads/") or branch
    )
    if git(repo, "remote", "get-url", remote, check=False).returncode != 0:
        raise Stop(
            f"this repository has no remote '{remote}' to get the course from; clone the course repository again, or add it with `git remote add origin URL`"
        )
    return remote, merge


def save_work(repo: Path, env: dict) -> list[str]:
    """Commit every uncommitted change (new files too, not ignored ones); return the files saved."""
    changed = [
        line[3:]
        for line in git(repo, "status", "--porcelain", "--untracked-files=all").stdout.splitlines()
        if line.strip()
    ]
    if changed:
        git(repo, "add", "-A")
        git(
            repo,
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "My work (saved by tito update before getting the new week)",
            env=env,
        )
    return changed


def mine_name(path: str, n: int = 1) -> str:
    """`SCHEDULE.md` -> `SCHEDULE.mine.md` (then `SCHEDULE.mine2.md`, ...): where your version of a file the
    course also changed is kept."""
    p, mine = PurePosixPath(path), "mine" if n == 1 else f"mine{n}"
    return str(p.with_name(f"{p.stem}.{mine}{p.suffix}")) if p.suffix else f"{path}.{mine}"


def free_mine_name(repo: Path, path: str, data: bytes) -> str:
    """The first NAME.mineN.EXT that is free (or already holds exactly `data`): an earlier one is never overwritten."""
    n = 1
    while (repo / mine_name(path, n)).exists() and (repo / mine_name(path, n)).read_bytes() != data:
        n += 1
    return mine_name(path, n)


def changed_files(repo: Path, base: str, tip: str) -> set[str]:
    return set(filter(None, git(repo, "diff", "--name-only", "--no-renames", base, tip).stdout.splitlines()))


def keep_mine(repo: Path, base: str, theirs: str, env: dict) -> dict[str, str]:
    """Before merging: copy each file both sides changed to NAME.mine.EXT (committed); return {file: copy}."""
    both = sorted(changed_files(repo, base, "HEAD") & changed_files(repo, base, theirs))
    kept = {}
    for path in both:
        shown = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], capture_output=True)
        if shown.returncode != 0:
            continue  # you deleted it: nothing of yours to keep
        kept[path] = free_mine_name(repo, path, shown.stdout)
        target = repo / kept[path]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shown.stdout)
    if kept:
        git(repo, "add", "--", *kept.values())
        if git(repo, "diff", "--cached", "--quiet", check=False).returncode != 0:
            git(
                repo,
                "commit",
                "-q",
                "--no-verify",
                "-m",
                "Keep my versions of files the course changed too (tito update)",
                env=env,
            )
    return kept


def merge(repo: Path, theirs: str, env: dict) -> None:
    """Merge the course in; on the files both sides changed the course's version wins (yours is kept)."""
    done = git(
        repo,
        "merge",
        "--no-edit",
        "-X",
        "theirs",
        "-m",
        "Get the new week from the course (tito update)",
        theirs,
        env=env,
        check=False,
    )
    if done.returncode == 0:
        return
    unmerged = sorted(set(git(repo, "diff", "--name-only", "--diff-filter=U").stdout.splitlines()))
    if not unmerged:
        git(repo, "merge", "--abort", check=False)
        raise Stop(f"the merge failed: {(done.stderr or done.stdout).strip()}; nothing was changed")
    for path in unmerged:
        if git(repo, "cat-file", "-e", f"{theirs}:{path}", check=False).returncode == 0:
            git(repo, "checkout", theirs, "--", path)
        else:
            git(repo, "add", "--", path) if (repo / path).exists() else git(repo, "rm", "-q", "--cached", "--", path)
    git(repo, "commit", "-q", "--no-verify", "--no-edit", env=env)


def update(repo: Path) -> int:
    """Save your work, fetch the course, merge it; print what was done. 0 when up to date afterwards."""
    repo = Path(repo)
    try:
        branch = check_ready(repo)
        remote, remote_branch = upstream(repo, branch)
        fetched = git(repo, "fetch", "--quiet", "--tags", "--force", remote, check=False)
        if fetched.returncode != 0:
            raise Stop(
                f"could not reach the course repository ({remote}): {fetched.stderr.strip()}. Nothing was changed; try again when you are online"
            )
        theirs = f"refs/remotes/{remote}/{remote_branch}"
        if git(repo, "rev-parse", "--verify", "-q", theirs, check=False).returncode != 0:
            raise Stop(f"the course repository has no branch '{remote_branch}' yet; nothing to update")
        env = identity(repo)
        saved = save_work(repo, env)
        if saved:
            print(
                f"Saved your uncommitted work in a commit ({len(saved)} file(s): {', '.join(saved[:5])}{', ...' if len(saved) > 5 else ''})."
            )
        has_head = git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0
        if has_head and git(repo, "merge-base", "--is-ancestor", theirs, "HEAD", check=False).returncode == 0:
            print("Already up to date: you have everything the course has released.")
            return 0
        base = git(repo, "merge-base", "HEAD", theirs, check=False).stdout.strip() if has_head else ""
        new = (
            sorted(changed_files(repo, base or "HEAD", theirs)) if has_head else []
        )  # what the course changed, not you
        kept = keep_mine(repo, base, theirs, env) if base else {}
        merge(repo, theirs, env) if has_head else git(repo, "reset", "-q", "--keep", theirs)
        print(
            f"Got the new material from the course: {len(new)} file(s) new or changed"
            + (f" ({', '.join(new[:8])}{', ...' if len(new) > 8 else ''})." if new else ".")
        )
        for path, copy in kept.items():
            print(
                f"The course changed {path}, which you had changed too: the course's version is now {path}; yours is kept as {copy}."
            )
        print("All your work is in your commits; nothing was lost.")
        return 0
    except Stop as stop:
        print(f"tito update: {stop}", file=sys.stderr)
        return 1


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    return update(Path(args[0]) if args else Path.cwd())


if __name__ == "__main__":
    sys.exit(main())
