"""``python -m localconnect``."""

import sys

from localconnect.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m localconnect"))
