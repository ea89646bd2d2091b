"""``python -m desktop``: the ``suishenban`` command (also the entry script of the frozen build)."""

import sys

from desktop.cli import main

sys.exit(main())
