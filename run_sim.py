"""Command-line entry: `python run_sim.py [command] …` (the same as `housing-sim`)."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
