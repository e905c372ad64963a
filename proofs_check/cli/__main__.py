"""``python -m proofs_check.cli ...`` is ``aesgd ...``."""

import sys

from proofs_check.cli import main

if __name__ == "__main__":
    sys.exit(main())
