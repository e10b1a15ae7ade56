"""The private parts of jupyter_client and nbclient the engine relies on, each wrapped here once, with a test
(tests/test_adapters.py) that fails when an upgrade of the pinned version (requirements.txt) changes it.

- `adopt_kernel_info`: what jupyter_client's own `wait_for_ready` does with the kernel_info reply (its private
  `_handle_kernel_info_reply`: the session speaks the kernel's protocol version), done through public attributes;
- `forget_exit_hook`: nbclient registers its private `_cleanup_kernel` with atexit while a notebook runs and
  leaves it registered when the kernel never came up; no public call removes it.
"""

from __future__ import annotations

import atexit


def adopt_kernel_info(client, reply: dict) -> None:
    """Make the client's session speak the protocol version the kernel_info `reply` announces."""
    from jupyter_client import protocol_version_info

    adapt = int(reply["content"]["protocol_version"].split(".")[0])
    if adapt != protocol_version_info[0]:
        client.session.adapt_version = adapt


def forget_exit_hook(notebook_client) -> None:
    """Remove nbclient's exit hook for this client (it would stop a kernel the engine stops itself, or pull the
    client from under a thread still running it)."""
    atexit.unregister(notebook_client._cleanup_kernel)
