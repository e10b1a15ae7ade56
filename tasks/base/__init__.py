"""Foundations every layer uses: the one error type (`errors.CourseError`, findings with file:line), atomic
file writes (`fsutil`), and which engine files a module's code is made of (`engine`: the build's "the code that
made this" and grading's fingerprint of the code that decides scores), killing a process group (`processes`) and
the environment of every git command (`gitenv`). Imports nothing else of the engine."""
