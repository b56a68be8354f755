"""Where the project lives, for tests that run it as a subprocess."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
