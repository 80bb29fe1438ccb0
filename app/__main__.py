"""``python -m app COMMAND``: the command line without the window (``python -m ui`` is the whole
app, the same as ``rostersync``)."""

import sys

from app.cli.main import main

sys.exit(main())
