"""One kernel start, as the executions pay it: start a kernel, wait until it is ready, shut it down.

python bench/kernelstart.py [KERNEL]     prints {"inner_s": seconds} (the start..shutdown span, no imports)
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    from jupyter_client.manager import start_new_kernel

    name = sys.argv[1] if len(sys.argv) > 1 else "python3"
    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=name, startup_timeout=120)
    client.stop_channels()
    manager.shutdown_kernel(now=False)
    print(json.dumps({"inner_s": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
