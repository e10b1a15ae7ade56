"""Your TinyTorch package: `tito module complete NN` fills it from your notebooks."""

try:  # a module you have not exported yet says which one to complete first
    from tito.hints import install as _install

    _install(__path__[0])  # noqa: F821 (this file runs as a package __init__, where __path__ exists)
    del _install
except ImportError:
    pass
