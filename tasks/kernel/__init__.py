"""Running notebooks in a real Jupyter kernel (`execute`): timeouts, output limits, dead kernels, interrupts;
each notebook in a fresh kernel started ahead of time (`pool`), forked from a warm template where that is
the same kernel (`forking`, and `forkserver`, the template's own program), in a scratch folder laid out as the student
repository (`scratch`); failures in words (`report`, `tracebacks`, `assertvalues`)."""
