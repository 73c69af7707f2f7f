"""``python -m monitor``: the same as the ``monitor`` console script."""

import sys

from monitor.cli import main

sys.exit(main())
