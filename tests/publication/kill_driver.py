"""Run one stage in this process and stop dead at a chosen point, for the kill tests.

``python kill_driver.py SPEC.json``; SPEC holds ``ctx`` (RunContext as a dict), ``stage`` and
``pause`` (where to stop: the ``after``-th ``os.replace`` into ``under``, the ``after``-th call of
``call`` = "module:function", or the end of a Chromium print) and ``marker``. At that point the
driver writes the marker and sleeps: the test then kills its process group with SIGKILL.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def _stop_here(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    time.sleep(600)


def _arm(pause: dict, marker: str) -> None:
    kind = pause.get("kind")
    after = int(pause.get("after", 1))
    count = {"n": 0}
    if kind == "replace":
        under = os.path.abspath(pause["under"]) + os.sep
        real = os.replace

        def replace(src, dst, *args, **kwargs):
            real(src, dst, *args, **kwargs)
            if os.path.abspath(dst).startswith(under):
                count["n"] += 1
                if count["n"] >= after:
                    _stop_here(marker)

        os.replace = replace
    elif kind == "call":
        module_name, name = pause["call"].split(":")
        module = importlib.import_module(module_name)
        real_fn = getattr(module, name)

        def call(*args, **kwargs):
            result = real_fn(*args, **kwargs)
            count["n"] += 1
            if count["n"] >= after:
                _stop_here(marker)
            return result

        setattr(module, name, call)
    elif kind == "chromium":
        real_run = subprocess.run

        def run(cmd, *args, **kwargs):
            result = real_run(cmd, *args, **kwargs)
            if any("--print-to-pdf" in str(a) for a in cmd):
                _stop_here(marker)  # the PDF is printed, Chromium's profile still on disk
            return result

        subprocess.run = run


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    from caqes_tasks.context import RunContext

    ctx = RunContext.from_dict(spec["ctx"])
    _arm(spec.get("pause") or {}, spec["marker"])
    module_name, name = spec["stage"].split(":")
    getattr(importlib.import_module(module_name), name)(ctx, **spec.get("kwargs", {}))
    Path(spec["marker"] + ".done").write_text("done")


if __name__ == "__main__":
    main()
