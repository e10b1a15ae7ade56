"""The course: course.yaml read against its schema (`config`) into frozen dataclasses (`model`, with `Course.find`: the one rule for naming a module) and checked as a whole
(`checks`), cached per version (`cache`), every
path of a build computed from it (`paths`), and `context.load(root)`, which hands out the
(course, paths) of a root, parsed once per version of course.yaml. There is no process-wide current course."""
