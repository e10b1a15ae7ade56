"""Running notebooks in a real Jupyter kernel (`execute`): timeouts, output limits, dead kernels, interrupts;
each notebook in a fresh kernel started ahead of time (`pool`), in a scratch folder laid out as the student
repository (`scratch`); failures in words (`report`, `tracebacks`, `assertvalues`)."""
