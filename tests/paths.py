"""Where the tests find the project and their data: everything lives in the repository."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# The labelled development examples (copied from the team's shared/devdata, labels kept).
DEVDATA = DATA / "devdata"
