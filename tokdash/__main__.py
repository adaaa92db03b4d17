"""Entry point of ``python -m tokdash``."""

import sys

from tokdash.cli.main import main

sys.exit(main())
