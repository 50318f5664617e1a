"""``python -m cscanalysis.cli``: the same as the ``cscanalysis`` command."""

import sys

from cscanalysis.cli import main

sys.exit(main())
