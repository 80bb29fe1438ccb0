"""``python -m ui`` and the packaged app (build.spec): the same as ``rostersync``."""

import os
import sys

# The windowed build on Windows has no console: its print() must still have somewhere to go.
for stream in ("stdout", "stderr"):
    if getattr(sys, stream) is None:
        setattr(sys, stream, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

from ui.launcher import main  # noqa: E402

sys.exit(main())
