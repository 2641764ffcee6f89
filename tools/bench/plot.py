# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Draw the pacing at work: requests per second of each operation over time against the limit, and files done.

Input: the endpoint timelines bulk.py saves for its rate-limited runs (build/bench/timeline-*.json:
``[seconds, operation, admitted]`` per request). One PNG, one column per run: above, admitted requests per
second of each limited operation (1 s bins) with throttled ones marked and the limit drawn; below, files done
(CreateRelatedItem admitted, the last step of a file) over time against the 2 files/s bound.

Runs under build/bench-venv (matplotlib, tools/bench/requirements.txt), not the dev venv:
    build/bench-venv/bin/python tools/bench/plot.py OUT.png build/bench/timeline-a.json [...]
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

RATE, BURST = 2.0, 5
SHOWN = (("StartAttachedFileUpload", "Start"), ("CompleteAttachedFileUpload", "Complete"), ("CreateRelatedItem", "CreateRelatedItem"),
         ("BatchGetAttachedFileMetadata", "BatchGet"), ("SearchRelatedItems", "Search"))
LAST_STEP = "CreateRelatedItem"


WINDOW = 5  # seconds: the rates drawn are the mean over the last WINDOW seconds (1 s counts are too spiky to read)


def per_second(times, end):
    """Requests per second, the mean over the WINDOW seconds before each whole second from 0 to end."""
    counts = [0] * (int(end) + 1)
    for moment in times:
        counts[int(moment)] += 1
    return [sum(counts[max(0, k - WINDOW + 1):k + 1]) / min(WINDOW, k + 1) for k in range(len(counts))]


def main(argv=None):
    """plot.py OUT.png TIMELINE.json..."""
    argv = sys.argv[1:] if argv is None else argv
    out, sources = argv[0], argv[1:]
    runs = [json.load(open(path, encoding="utf-8")) for path in sources]  # pylint: disable=consider-using-with
    figure, axes = plt.subplots(2, len(runs), figsize=(7 * len(runs), 7), squeeze=False, sharex="col")
    for column, run in enumerate(runs):
        timeline = run["timeline"]
        origin = timeline[0][0]
        end = timeline[-1][0] - origin
        top, bottom = axes[0][column], axes[1][column]
        for operation, short in SHOWN:
            admitted = [t - origin for t, op, ok in timeline if op == operation and ok]
            refused = [t - origin for t, op, ok in timeline if op == operation and not ok]
            if not admitted and not refused:
                continue
            line, = top.plot(range(int(end) + 1), per_second(admitted, end), label="%s (%d, %d throttled)"
                             % (short, len(admitted), len(refused)), linewidth=1.2)
            if refused:
                top.plot(refused, [0.15] * len(refused), "x", color=line.get_color(), markersize=6)
        top.axhline(RATE, color="black", linestyle="--", linewidth=1, label="limit: %g/s per operation (burst %d)" % (RATE, BURST))
        top.set_title(run["label"], fontsize=11)
        top.set_ylabel("admitted requests per second\n(mean of %d s; x: a throttled request)" % WINDOW)
        top.legend(fontsize=8, loc="upper right")
        top.set_ylim(0, max(6, top.get_ylim()[1]))
        done = sorted(t - origin for t, op, ok in timeline if op == LAST_STEP and ok)
        bottom.step(done, range(1, len(done) + 1), where="post", label="files done (%d)" % len(done))
        bottom.plot([0, end], [BURST, BURST + RATE * end], color="black", linestyle="--", linewidth=1,
                    label="bound: %d + %g files/s" % (BURST, RATE))
        bottom.set_xlabel("seconds from the run's first request")
        bottom.set_ylabel("files done")
        bottom.set_ylim(0, run["files"] * 1.05)
        bottom.legend(fontsize=8, loc="upper left")
    figure.suptitle("connect_attached_files under Connect's default quota\n(every operation 2/s, burst 5; 50 ms latency, 2 s scan)",
                    fontsize=12)
    figure.tight_layout()
    figure.savefig(out, dpi=90)
    sys.stderr.write("bench/plot: wrote %s\n" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
