"""Get the new week's material: `tito update` (or `python3 -m tito.update`).

Works on a plain git (no identity, no pull settings, no editor; your hooks are not run): it saves your
uncommitted work in a commit, fetches the course (the remote `course`, else `origin`), and merges its
default branch into the branch you are on. Nothing of yours is lost or silently moved:
- a file only you changed keeps your version; a file both changed in different lines gets both changes;
- where the course changed the same lines of a file you changed, the course's version takes the file's place
  and yours is kept beside it as NAME.mine.EXT (NAME.mine2.EXT if an earlier, different copy is there);
- your file where the new week brings a folder (or your folder where it brings a file) is moved to
  NAME.mine, said aloud;
- a history the course's has nothing in common with (a rewritten or amended commit, a repository made from
  a template) is joined to the course's at the release your files match best, your files as they are;
- untracked secrets (`.env`, keys) and files over 10 MB stay in your folder, out of git;
- your own tags are never replaced by the course's.
It says what it did, then the one command to run next; when it cannot go on (offline, a merge in progress, a
read-only folder, ...) it says why and how to fix it, and what, if anything, it had already done.
Standard library only; written by coursebuild, the course staff keep it up to date.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path, PurePosixPath

from .gitwork import (
    COURSE,
    blob,
    course_remote,
    git,
    has_head,
    identity,
    left_out_why,
    ok,
    out,
    ready,
    reason,
    remotes,
    save_work,
)
from .repo import Stop

COURSE_HEAD = "refs/tito/course"  # the course's default branch, as last fetched
COURSE_TAGS = "refs/tito/course-tags/"  # the course's tags, as last fetched (copied to refs/tags/ unless yours)
MESSAGE = "Get the new week from the course (tito update)"


def mine_name(path: str, n: int = 1) -> str:
    """`SCHEDULE.md` -> `SCHEDULE.mine.md` (then `SCHEDULE.mine2.md`, ...); `modules/02_beta` -> `modules/02_beta.mine`."""
    p, mine = PurePosixPath(path), "mine" if n == 1 else f"mine{n}"
    return str(p.with_name(f"{p.stem}.{mine}{p.suffix}")) if p.suffix and p.stem else f"{path}.{mine}"


def _kept_name(repo: Path, path: str, data: bytes | None = None) -> str:
    """The first NAME.mineN.EXT that is free, or that already holds exactly `data`: never an earlier copy."""
    n = 1
    while os.path.lexists(repo / mine_name(path, n)):
        there = repo / mine_name(path, n)
        if data is not None and there.is_file() and there.read_bytes() == data:
            break
        n += 1
    return mine_name(path, n)


def _write_new(target: Path, data: bytes) -> None:
    """Create `target` with `data`; an existing file (same bytes, see _kept_name) is left as it is."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as handle:
        handle.write(data)


# --- where the course comes from -----------------------------------------------------------------------


def _course(repo: Path, source: str | None, done: list[str]) -> str:
    """The course's remote; `tito update --from URL` adds it (or points it at URL) as `course`."""
    if source:
        if COURSE not in remotes(repo):
            git(repo, "remote", "add", COURSE, source)
            done.append(f"the course's repository was added as the remote '{COURSE}'")
            print(f"Added the course's repository as the remote '{COURSE}': {source}")
        elif out(repo, "remote", "get-url", COURSE) != source:
            git(repo, "remote", "set-url", COURSE, source)
            done.append(f"the remote '{COURSE}' was pointed at {source}")
            print(f"The remote '{COURSE}' now points at {source}")
        return COURSE
    found = course_remote(repo)
    if found is None:
        own = " (origin is your own repository)" if "origin" in remotes(repo) else ""
        raise Stop(
            f"tito does not know where the course's repository is: this repository has no remote '{COURSE}'{own}. "
            "Nothing was changed.\nNext: `tito update --from URL`, with the URL of the course's student repository "
            "(from your course page)"
        )
    return found


def _fetch(repo: Path, remote: str) -> str:
    """Fetch the course's branches and tags (tags into refs/tito/); return its default branch's commit."""
    where = out(repo, "remote", "get-url", remote)
    heads = [f"+refs/heads/*:refs/remotes/{remote}/*", f"+refs/tags/*:{COURSE_TAGS}*"]
    fetched = git(repo, "fetch", "-q", "--no-tags", remote, f"+HEAD:{COURSE_HEAD}", *heads, check=False)
    if fetched.returncode != 0 and "remote ref HEAD" in fetched.stderr:  # no default branch: an empty repository?
        fetched = git(repo, "fetch", "-q", "--no-tags", remote, *heads, check=False)
        branches = [b for b in out(repo, "for-each-ref", "--format=%(refname)", f"refs/remotes/{remote}/").split() if b]
        named = [b for b in branches if b.rsplit("/", 1)[-1] in ("main", "master")] or branches[:1]
        if fetched.returncode == 0 and named:
            git(repo, "update-ref", COURSE_HEAD, named[0])
        elif fetched.returncode == 0:
            raise Stop(
                f"the course's repository ({where}) has nothing released yet. Nothing was changed.\n"
                "Next: `tito update` again after the first release"
            )
    if fetched.returncode != 0:
        raise Stop(
            f"could not reach the course's repository ({remote}: {where}): {reason(fetched)} "
            "Nothing was changed.\nNext: `tito update` again when you are online"
        )
    if remote != COURSE and not out(repo, "for-each-ref", "--count=1", COURSE_TAGS):
        raise Stop(
            f"origin ({where}) has no release tags (week1, ...), so it is not the course's repository but, most "
            "likely, your own (made from the course's template, as GitHub Classroom does). Nothing was changed.\n"
            "Next: `tito update --from URL`, with the URL of the course's student repository (from your course page)"
        )
    _copy_tags(repo)
    return out(repo, "rev-parse", COURSE_HEAD)


def _copy_tags(repo: Path) -> None:
    """The course's tags (`week3`) as your tags, except where you have a tag of that name: yours stays."""
    refs = out(repo, "for-each-ref", "--format=%(refname) %(objectname)", COURSE_TAGS, "refs/tags/").split("\n")
    theirs = {
        r[len(COURSE_TAGS) :]: sha for r, sha in (line.split() for line in refs if line) if r.startswith(COURSE_TAGS)
    }
    mine = {
        r[len("refs/tags/") :]: sha for r, sha in (line.split() for line in refs if line) if r.startswith("refs/tags/")
    }
    for name, sha in sorted(theirs.items()):
        if name not in mine:
            git(repo, "update-ref", f"refs/tags/{name}", sha)
        elif mine[name] != sha:
            print(f"Kept your own tag {name}; the course's tag of that name is {COURSE_TAGS}{name}.")


# --- planning (reads only) -------------------------------------------------------------------------------


def _join_point(repo: Path, theirs: str) -> str:
    """The course commit your history started from, when the two have no commit in common: the one whose
    files match your first commit's best (the older one on a tie)."""
    first = set()
    for root in out(repo, "rev-list", "--max-parents=0", "HEAD").split():
        first |= _tree(repo, root)
    best, score = theirs, -1
    for commit in out(repo, "rev-list", theirs).split():  # newest first: ">=" keeps the older of equals
        shared = len(first & _tree(repo, commit))
        if shared >= score:
            best, score = commit, shared
    return best


def _tree(repo: Path, commit: str) -> set[tuple[str, str]]:
    listing = git(repo, "ls-tree", "-r", "-z", commit).stdout
    return {(entry.split("\t", 1)[1], entry.split()[2]) for entry in listing.split("\0") if "\t" in entry}


def _changes(repo: Path, base: str | None, tip: str) -> dict[str, str]:
    """{path: A/M/D/T} from `base` to `tip` (everything added when there is no base)."""
    if base is None:
        return {p: "A" for p in git(repo, "ls-tree", "-r", "-z", "--name-only", tip).stdout.split("\0") if p}
    listing = git(repo, "diff", "--name-status", "-z", "--no-renames", base, tip).stdout.split("\0")
    return {path: status[0] for status, path in zip(listing[::2], listing[1::2]) if path}


def _room(repo: Path, incoming: dict[str, str]) -> dict[str, str]:
    """{yours: where it moves}: your file where the new week brings a folder, your folder where it brings a file."""
    moves = {}
    for path, status in sorted(incoming.items()):
        if status == "D":
            continue
        parts = PurePosixPath(path).parts
        for depth in range(1, len(parts)):
            above = "/".join(parts[:depth])
            if (repo / above).is_symlink() or (os.path.lexists(repo / above) and not (repo / above).is_dir()):
                moves.setdefault(above, "")
        if (repo / path).is_dir() and not (repo / path).is_symlink():
            moves.setdefault(path, "")
    return {path: _kept_name(repo, path) for path in moves}


def _check_writable(repo: Path, paths: list[str]) -> None:
    """Stop (nothing changed) when a folder the merge writes in is read-only."""
    blocked = set()
    for path in paths:
        folder = (repo / path).parent
        while not folder.exists():
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            blocked.add(folder.relative_to(repo).as_posix() if folder != repo else ".")
    if blocked:
        shown = " ".join(sorted(blocked))
        example = next(p for p in paths if any(p.startswith(f"{b}/") or b == "." for b in blocked))
        raise Stop(
            f"{shown} is read-only (your doing, a tool's, or a read-only drive), and the new week writes there "
            f"({example}). Nothing was changed.\nNext: `chmod u+w {shown}` (makes it writable), then `tito update` again"
        )


def _check_in_the_way(repo: Path, incoming: dict[str, str], moves: dict[str, str]) -> None:
    """Stop (nothing changed) when a file tito does not commit (a secret, too big, ignored) is where the new
    week brings a file: git would refuse, or overwrite it."""
    tracked = set(git(repo, "ls-files", "-z").stdout.split("\0"))
    for path, status in sorted(incoming.items()):
        if status == "D" or path in tracked or path in moves or not os.path.lexists(repo / path):
            continue
        why = left_out_why(repo, path) or ("git ignores it" if ok(repo, "check-ignore", "-q", path) else None)
        if why:
            raise Stop(
                f"{path} is in your folder but not in git ({why}), and the new week brings a file of that name. "
                f"Nothing was changed.\nNext: `mv {path} {_kept_name(repo, path)}` (moves yours aside), then "
                "`tito update` again"
            )


# --- changing things ---------------------------------------------------------------------------------------


def _move_aside(repo: Path, moves: dict[str, str], env: dict) -> None:
    for path, kept in moves.items():
        if ok(repo, "ls-files", "--error-unmatch", "--", path):
            git(repo, "mv", "--", path, kept)
        else:
            os.rename(repo / path, repo / kept)
        kind = "folder" if (repo / kept).is_dir() else "file"
        print(
            f"Moved your {kind} {path} to {kept}: the new week brings a {'file' if kind == 'folder' else 'folder'} {path}."
        )
    if git(repo, "diff", "--cached", "--quiet", check=False).returncode != 0:
        git(repo, "commit", "-q", "-m", "Keep my files where the new week brings others (tito update)", env=env)


def _course_versions(repo: Path, theirs: str, path: str) -> set[str]:
    """Every version (blob) of `path` the course ever published."""
    log = git(repo, "log", "--format=", "--raw", "--no-abbrev", "--no-renames", theirs, "--", path).stdout
    return {sha for line in log.split("\n") if line.startswith(":") for sha in line.split()[2:4]}


def _valid(repo: Path, path: str) -> bool:
    """A merged notebook must still be a notebook (JSON); anything else merged is taken as merged."""
    if not path.endswith(".ipynb"):
        return True
    try:
        json.loads((repo / path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _merge(repo: Path, theirs: str, base: str, env: dict) -> list[str]:
    """Merge the course in (a commit of its own); return one line per file both of you changed."""
    mine = _changes(repo, base, "HEAD")
    both = sorted(set(mine) & set(_changes(repo, base, theirs)))
    done = git(repo, "merge", "-q", "--no-commit", "--no-ff", "-X", "no-renames", theirs, env=env, check=False)
    if not (Path(out(repo, "rev-parse", "--absolute-git-dir")) / "MERGE_HEAD").exists():
        raise _failed(repo, reason(done))
    try:
        return _resolve(repo, theirs, both, env)
    except Stop as stop:
        raise _failed(repo, str(stop).split("\nNext:")[0]) from None


def _resolve(repo: Path, theirs: str, both: list[str], env: dict) -> list[str]:
    """Settle each file both changed (the merge is in progress), commit the merge; one line per file."""
    unmerged = set(git(repo, "diff", "--name-only", "-z", "--diff-filter=U").stdout.split("\0")) - {""}
    said = []
    for path in sorted(set(both) | unmerged):
        in_theirs = ok(repo, "cat-file", "-e", f"{theirs}:{path}")
        in_mine = ok(repo, "cat-file", "-e", f"HEAD:{path}")
        if path not in unmerged and _valid(repo, path):
            yours = out(repo, "rev-parse", f"HEAD:{path}") if in_mine else None
            if in_theirs and yours and yours not in _course_versions(repo, theirs, path):
                said.append(
                    f"{path}: the course changed it and so did you, in other lines: both changes are in it now."
                )
        elif not in_theirs:
            git(repo, "add", "--", path) if os.path.lexists(repo / path) else git(
                repo, "rm", "-q", "--cached", "--", path
            )
            said.append(f"{path}: the course removed it; you had changed it, so yours stays.")
        elif not in_mine:
            git(repo, "checkout", theirs, "--", path)
            said.append(f"{path}: you had deleted it and the course changed it: it is back, in the course's version.")
        else:
            data = blob(repo, f"HEAD:{path}")
            git(repo, "checkout", theirs, "--", path)
            if out(repo, "rev-parse", f"HEAD:{path}") in _course_versions(repo, theirs, path):
                continue  # yours was a version the course published: nothing of yours to keep
            kept = _kept_name(repo, path, data)
            _write_new(repo / kept, data)
            git(repo, "add", "--", kept)
            said.append(
                f"{path}: the course changed the lines you changed: the course's version is now {path}; "
                f"yours is kept as {kept}."
            )
    git(repo, "commit", "-q", "--no-verify", "-m", MESSAGE, env=env)
    return said


def _failed(repo: Path, why: str) -> Stop:
    """The merge did not start or stopped half-way: put the files back as they were committed, and say so."""
    if (Path(out(repo, "rev-parse", "--absolute-git-dir")) / "MERGE_HEAD").exists():
        git(repo, "merge", "--abort", check=False)
    git(repo, "reset", "-q", "--merge", check=False)
    clean = git(repo, "status", "--porcelain", "--untracked-files=no", check=False).stdout.strip() == ""
    head = out(repo, "rev-parse", "--short", "HEAD")
    if clean:
        return Stop(
            f"git could not merge the new week: {why} Your files are as they were (your work is in commit "
            f"{head}).\nNext: `tito update` again; if it fails the same way, show this message to your course staff"
        )
    return Stop(
        f"git stopped half-way through merging the new week: {why} Your work is safe in commit {head}, but some "
        f"files may be half-updated.\nNext: `git reset --hard {head}` (puts them back as committed), then "
        "`tito update` again"
    )


# --- the update ------------------------------------------------------------------------------------------------


def _news(repo: Path, before: str | None, theirs: str) -> list[str]:
    """The entries of the course's CHANGES.md that this update brings (its `## ` sections whose heading the
    course's file did not have at `before`), read from the course's commits, not the student's copy."""

    def sections(commit: str | None) -> list[tuple[str, list[str]]]:
        text = (
            out(repo, "show", f"{commit}:CHANGES.md")
            if commit and ok(repo, "cat-file", "-e", f"{commit}:CHANGES.md")
            else ""
        )
        found: list[tuple[str, list[str]]] = []
        for line in text.split("\n"):
            if line.startswith("## "):
                found.append((line[3:].strip(), []))
            elif found and line.strip():
                found[-1][1].append(line)
        return found

    known = {heading for heading, _ in sections(before)}
    new = [(heading, lines) for heading, lines in sections(theirs) if heading not in known]
    if not new:
        return []
    return ["What changed (CHANGES.md):"] + [
        f"{heading}\n" + "\n".join(f"  {line}" for line in lines) for heading, lines in new
    ]


def update(repo: Path, source: str | None = None) -> int:
    """Save your work, fetch the course, merge it; print what was done and what to run next. 0 when up to date."""
    repo = Path(repo)
    done: list[str] = []  # what was changed already, for a message that stops half-way
    try:
        branch = ready(repo, "tito update")
        remote = _course(repo, source, done)
        theirs = _fetch(repo, remote)
        up_to_date = has_head(repo) and ok(repo, "merge-base", "--is-ancestor", theirs, "HEAD")
        start = None  # the course's commit the student had (None: their first update)
        if up_to_date:
            incoming = {}
        else:  # what the merge will write: planned before anything changes, checked, then done
            related = has_head(repo) and ok(repo, "merge-base", "HEAD", theirs)
            start = out(repo, "merge-base", "HEAD", theirs) if related else None
            incoming = _changes(repo, start if related or not has_head(repo) else _join_point(repo, theirs), theirs)
        moves = _room(repo, incoming)
        _check_writable(repo, [*incoming, *moves, *moves.values()])
        _check_in_the_way(repo, incoming, moves)
        env = identity(repo)
        saved = save_work(repo, env, "My work (saved by tito update before getting the new week)")
        saved.say("Saved your uncommitted work in a commit")
        if saved.files:
            done.append(f"your uncommitted work was saved in commit {out(repo, 'rev-parse', '--short', 'HEAD')}")
        if up_to_date:
            print("Already up to date: you have everything the course has released.")
            print("Next: `tito module status` (what is out, what you completed, what is next)")
            return 0
        head = has_head(repo)
        base = out(repo, "merge-base", "HEAD", theirs) if head and ok(repo, "merge-base", "HEAD", theirs) else None
        if head and base is None:
            base = _join_point(repo, theirs)
            subject = out(repo, "log", "-1", "--format=%h %s", base)
            git(
                repo,
                *("merge", "-q", "-s", "ours", "--allow-unrelated-histories", "--no-edit"),
                *("-m", f"Join my history to the course's at {subject} (tito update; my files as they are)", base),
                env=env,
            )
            print(
                "Your history and the course's had no commit in common (a rewritten commit such as "
                "`git commit --amend`, or a repository made from a template): joined them at the course's "
                f"'{subject}', the release your files match best; your files are as they were."
            )
            done.append("your history was joined to the course's")
        if moves:
            _move_aside(repo, moves, env)
            done.append("your files in the way were moved aside")
        said = []
        if not head or ok(repo, "merge-base", "--is-ancestor", "HEAD", theirs):
            git(repo, "merge", "-q", "--ff-only", theirs, env=env)
        elif not ok(repo, "merge-base", "--is-ancestor", theirs, "HEAD"):  # the join may have brought it all
            said = _merge(repo, theirs, base, env)
        new = sorted(p for p, status in incoming.items() if status != "D")
        print(
            f"Got the new material from the course: {len(new)} file(s) new or changed"
            + (f" ({', '.join(new[:8])}{', ...' if len(new) > 8 else ''})." if new else ".")
        )
        for line in said:
            print(line)
        for line in _news(repo, start if not up_to_date else None, theirs):
            print(line)
        print(f"Merged into your branch {branch}. All your work is in your commits; nothing was lost.")
        print("Next: `tito module status` (what is new, what you completed, what is next)")
        return 0
    except Stop as stop:
        print(f"tito update: {_with_what_was_done(str(stop), done)}", file=sys.stderr)
        return 1


def _with_what_was_done(text: str, done: list[str]) -> str:
    """A message that stops half-way says what was already done (never "Nothing was changed"), before its
    last line, the command to run next."""
    if not done:
        return text
    what, _, after = text.partition("\nNext:")
    what = what.replace(" Nothing was changed.", "").rstrip()
    return f"{what} Before stopping, {'; '.join(done)}." + (f"\nNext:{after}" if after else "")


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    source = args[args.index("--from") + 1] if "--from" in args[:-1] else None
    rest = [a for i, a in enumerate(args) if a != "--from" and (i == 0 or args[i - 1] != "--from")]
    return update(Path(rest[0]) if rest else Path.cwd(), source)


if __name__ == "__main__":
    sys.exit(main())
