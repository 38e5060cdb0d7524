"""``python -m uncertainty``."""

from uncertainty.cli import main

main()
