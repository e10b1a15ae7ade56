"""Versions of the course itself: semantic versions and their tags, what changed between two versions of the
compiled modules (and the level it needs), the changelog, the release check's report, the `tinytorch` wheel,
the student repository's CHANGES.md entry. The command (`tito version`) and the gates it runs are cli/'s."""
