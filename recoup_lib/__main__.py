"""``python -m recoup_lib`` is the ``recoup`` command."""

import sys

from .cli import main

sys.exit(main())
