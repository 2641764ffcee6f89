"""The targets of one `make bench` run, compiled from what each bench script saved (build/bench/targets-*.json:
run.py, bulk.py, scaling.py), into their own section at the top of docs/performance.md's bench sections.

    PYTHONPATH=tools python tools/bench/summary.py [--output docs/performance.md]
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from bench import common  # noqa: E402  pylint: disable=wrong-import-position

SCRIPTS = (("run", "tools/bench/run.py: one file (data path, memory, fixed cost)"),
           ("bulk", "tools/bench/bulk.py: many files (issue 14; scenario c is issue 24's rate limits)"),
           ("scaling", "tools/bench/scaling.py: pacing that scales (issue 24)"))


def report(saved):
    out = ["## Targets of this `make bench` run", ""]
    out.append("Compiled by `tools/bench/summary.py` from the targets each bench script printed in this run (%s); each "
               "figure comes from the section below that measured it, where the method and the profiles are.\n"
               % ", ".join("`%s.py` %s" % (script, saved[script]["date"]) for script, _label in SCRIPTS if script in saved))
    out.append("| Bench | Target | Met? | Figures |\n|---|---|---|---|")
    for script, label in SCRIPTS:
        if script not in saved:
            out.append("| %s | (not run) | n/a | |" % label.split(":", 1)[0])
            continue
        for target in saved[script]["targets"]:
            met = {True: "**met**", False: "**not met**", None: "n/a"}[target["met"]]
            out.append("| %s | %s | %s | %s |" % (label.split(":", 1)[0], target["name"], met, target["figures"]))
    return common.SUMMARY_SECTION.wrap(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--output", type=Path, default=common.DOC)
    options = parser.parse_args()
    saved = {}
    for script, _label in SCRIPTS:
        path = common.WORK / ("targets-%s.json" % script)
        if path.exists():
            saved[script] = json.loads(path.read_text(encoding="utf-8"))
    if not saved:
        sys.stderr.write("summary: no build/bench/targets-*.json: run the bench scripts first\n")
        return 1
    common.SUMMARY_SECTION.write(options.output, report(saved), before=common.SCALING_SECTION)
    return 0


if __name__ == "__main__":
    sys.exit(main())
