"""Where the tests find the project and the shared labelled examples.

CI clones the project next to a copy of `shared/`, as on a developer's machine.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVDATA = ROOT.parent / "shared" / "devdata"
