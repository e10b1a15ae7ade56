"""The course: course.yaml read and validated into a model (`config`), cached per version (`cache`), every
path of a build computed from it (`paths`), and the course being built in this process (`context`)."""
