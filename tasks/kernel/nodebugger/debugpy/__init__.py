"""Not debugpy: build kernels put this folder on PYTHONPATH so that ipykernel, whose debugger imports
debugpy (about a third of a kernel's start), finds it unavailable and starts without the debugger, which
validation and check_student never use. Nothing else changes in the kernel (tasks/kernel/execute.py)."""

raise ImportError("debugpy is not available in coursebuild's execution kernels (tasks/kernel/nodebugger)")
