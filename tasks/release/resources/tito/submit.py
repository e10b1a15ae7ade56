"""Hand in your work: `tito submit [MODULE] [--to URL]`.

Commits your work (everything, or MODULE's folder only; as `tito update` saves it: not untracked secrets,
not files over 10 MB) and pushes the branch you are on to the default branch of your own repository, where
the course collects it: for each deadline, the last commit made before it. It prints the commit, its time and
the modules with your work in it.

Your own repository is `origin` once the course is the remote `course`. If you cloned the course's repository
itself, `tito submit --to URL` (your repository's URL) makes the course the remote `course` (where
`tito update` gets each week) and your repository `origin`, once. Earlier submissions are never overwritten:
after an amend, a rebase or a switch of branch, the new submission is joined to them (your current files
are what is submitted; the earlier ones stay in the history).
Standard library only.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .gitwork import (
    COURSE,
    OWN_KEY,
    git,
    has_head,
    identity,
    ok,
    out,
    own_remote,
    ready,
    reason,
    remotes,
    save_work,
    url,
)
from .repo import Stop, find_module, modules

SUBMITTED = "refs/tito/submitted"  # what this clone pushed last
THEIRS = "refs/tito/own"  # your repository's branch, as fetched before pushing


def _own(repo: Path, to: str | None) -> str:
    """The remote of your own repository; `--to URL` sets it up (the course's origin becomes `course`)."""
    found, own = remotes(repo), own_remote(repo)
    if to and own:
        if url(repo, own) != to:
            git(repo, "remote", "set-url", own, to)
            print(f"Your repository ({own}) is now {to}.")
        return own
    if to and "origin" in found and url(repo, "origin") == to:
        git(repo, "config", OWN_KEY, "origin")
        return "origin"
    if to and "origin" in found and COURSE not in found:
        git(repo, "remote", "rename", "origin", COURSE)
        print(
            f"The course's repository ({url(repo, COURSE)}) is now the remote '{COURSE}': `tito update` gets each week from it."
        )
    if to:
        git(repo, "remote", "add", "origin", to) if "origin" not in remotes(repo) else git(
            repo, "remote", "set-url", "origin", to
        )
        print(f"Your own repository is the remote 'origin': {to}")
        return "origin"
    if own:
        return own
    tags = git(repo, "ls-remote", "--tags", "origin", check=False, prompt=True) if "origin" in found else None
    if tags is not None and tags.returncode == 0 and not tags.stdout.strip():
        git(repo, "config", OWN_KEY, "origin")
        print(f"origin ({url(repo, 'origin')}) has no release tags: it is your own repository; tito submits there.")
        return "origin"
    if "origin" in found:
        raise Stop(
            f"tito does not know which repository is yours: origin ({url(repo, 'origin')}) is the course's repository "
            "you cloned, which collects nothing. Nothing was changed.\nNext: `tito submit --to URL`, with the URL of your "
            "own repository (from your course or GitHub Classroom); tito keeps the course as the remote 'course'"
        )
    raise Stop(
        "this repository has no remote to submit to. Nothing was changed.\nNext: `tito submit --to URL`, with the URL "
        "of your own repository (from your course or GitHub Classroom)"
    )


def _target(repo: Path, own: str) -> str:
    """The default branch of your repository (what the course collects), even when it is still empty."""
    listed = git(repo, "ls-remote", "--symref", own, "HEAD", check=False, prompt=True)
    if listed.returncode != 0:
        raise _unreachable(repo, own, listed, "Nothing was changed")
    for line in listed.stdout.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line[len("ref: refs/heads/") : -len("\tHEAD")]
    scratch = Path(tempfile.mkdtemp(prefix="tito-submit-"))
    try:  # an empty repository names its default branch only to a clone
        cloned = git(repo, "clone", "-q", "--bare", "--no-tags", url(repo, own), str(scratch / "r"), check=False)
        head = (scratch / "r" / "HEAD").read_text().strip() if cloned.returncode == 0 else ""
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: refs/heads/") else "main"


def _unreachable(repo: Path, own: str, proc, state: str) -> Stop:
    text = reason(proc)
    if any(word in text for word in ("Authentication", "could not read Username", "Permission denied", "403")):
        return Stop(
            f"git could not log in to your repository ({own}: {url(repo, own)}): {text} {state}.\nNext: set up your "
            "login for it (GitHub: `gh auth login`, or a personal access token as the password), then `tito submit` again"
        )
    return Stop(
        f"could not reach your repository ({own}: {url(repo, own)}): {text} {state}.\n"
        "Next: `tito submit` again when you are online"
    )


def _join_earlier(repo: Path, before: str, env: dict) -> None:
    """Your repository's branch is not in this branch's history: join it, keeping this branch's files, when it
    holds nothing this clone does not know (an earlier submission from here, or only course files); else Stop."""
    known = set(
        out(repo, "log", "--format=%T", "HEAD", f"--glob=refs/remotes/{COURSE}/*", "--glob=refs/tito/course").split()
    )
    earlier = ok(repo, "rev-parse", "--verify", "-q", SUBMITTED) and ok(
        repo, "merge-base", "--is-ancestor", before, SUBMITTED
    )
    if not earlier and not set(out(repo, "log", "--format=%T", before, "--not", "HEAD").split()) <= known:
        last = out(repo, "log", "-1", "--format=%h '%s' of %cd", "--date=iso", before)
        raise Stop(
            f"your repository has commits this clone does not have (the last: {last}), pushed from somewhere else. "
            f"Nothing was pushed; your work is committed here ({out(repo, 'rev-parse', '--short', 'HEAD')}).\n"
            f"Next: `git pull --no-rebase --no-edit origin {out(repo, 'symbolic-ref', '--short', 'HEAD')}` (brings them "
            "here), then `tito submit` again"
        )
    when = out(repo, "log", "-1", "--format=%h of %cd", "--date=iso", before)
    git(
        repo,
        *("merge", "-q", "-s", "ours", "--allow-unrelated-histories", "--no-edit"),
        *("-m", f"Submit my current work; my earlier submission {when} stays in the history (tito submit)", before),
        env=env,
    )
    print(
        f"Your repository's last submission ({when}) is not in this branch (an amended or rebased commit, another "
        "branch, or a repository made from the course's template): this submission, your files as they are here, "
        "follows it; it stays in your repository's history."
    )


def _with_work(repo: Path) -> list[str]:
    """The released modules whose notebook (or .py copy) you changed."""
    from .repo import edited

    return [
        m.slug
        for m in modules(repo)
        if any(p and p.exists() and edited(repo, p) for p in (m.notebook(), m.python_copy()))
    ]


def submit(repo: Path, module: str | None = None, to: str | None = None) -> int:
    """Commit and push your work to your own repository; print what was submitted and what to run next."""
    repo = Path(repo)
    try:
        branch = ready(repo, "tito submit")
        under = f"modules/{find_module(repo, module).slug}" if module else None
        own = _own(repo, to)
        target = _target(repo, own)
        env = identity(repo)
        saved = save_work(repo, env, f"Submit {under or 'my work'} (tito submit)", under)
        saved.say("Committed your work")
        if not has_head(repo):
            raise Stop("there is nothing to submit yet: no commit and no work.\nNext: `tito module start 01`")
        fetched = git(repo, "fetch", "-q", "--no-tags", own, f"+refs/heads/{target}:{THEIRS}", check=False, prompt=True)
        if fetched.returncode != 0 and "couldn't find remote ref" not in fetched.stderr:
            raise _unreachable(
                repo,
                own,
                fetched,
                f"Nothing was pushed; your work is committed here ({out(repo, 'rev-parse', '--short', 'HEAD')})",
            )
        before = out(repo, "rev-parse", THEIRS) if fetched.returncode == 0 else None
        if before and not ok(repo, "merge-base", "--is-ancestor", before, "HEAD"):
            _join_earlier(repo, before, env)
        tip = out(repo, "rev-parse", "HEAD")
        if tip != before:
            pushed = git(repo, "push", "-q", own, f"HEAD:refs/heads/{target}", check=False, prompt=True)
            if pushed.returncode != 0:
                state = f"Nothing was pushed; your work is committed here ({tip[:7]})"
                if "rejected" in pushed.stderr or "fetch first" in pushed.stderr:
                    raise Stop(
                        f"your repository changed while tito was submitting. {state}.\nNext: `tito submit` again"
                    )
                raise _unreachable(repo, own, pushed, state)
            git(repo, "config", f"branch.{branch}.remote", own)
            git(repo, "config", f"branch.{branch}.merge", f"refs/heads/{target}")
        git(repo, "update-ref", SUBMITTED, tip)
        when = out(repo, "log", "-1", "--format=%cd", "--date=iso", tip)
        work = _with_work(repo)
        changed = (
            sorted(
                {
                    p.split("/")[1]
                    for p in out(repo, "diff", "--name-only", before, tip, "--", "modules/").split()
                    if p.count("/") >= 2
                }
            )
            if before
            else work
        )
        print(
            f"{'Submitted' if tip != before else 'Nothing new to submit: already submitted'} to your repository "
            f"({own}: {url(repo, own)}), branch {target}: commit {tip[:10]} of {when}."
        )
        print(
            "Modules with your work in it: "
            + (", ".join(work) if work else "none yet (your notebooks are as released)")
            + (
                f"; changed since your last submission: {', '.join(changed)}"
                if before and changed and tip != before
                else ""
            )
            + "."
        )
        print(
            "The course collects, for each deadline, the last commit made before it: this one, until you submit again."
        )
        print("Next: `tito submit` again whenever you have more to hand in (before each deadline)")
        return 0
    except Stop as stop:
        print(f"tito submit: {stop}", file=sys.stderr)
        return 1
