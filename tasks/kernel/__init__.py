"""Running notebooks in a real Jupyter kernel (`execute`): timeouts, output limits, dead kernels, interrupts."""
