"""Releasing to the student git repository: what a release contains (`plan`, pure), the git side done
atomically (`student_repo`), and the files shipped into the student repo (`resources/`)."""
