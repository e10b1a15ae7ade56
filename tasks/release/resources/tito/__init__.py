"""tito: the student side of TinyTorch (standard library only), shipped by the course into your repository.

Run `tito --help` (or `python3 -m tito --help` before set-up). Jupyter is needed only to open notebooks
(`tito module start`) and run their tests (`tito module complete`).
"""
