"""pacing_scope: host (issue 24): playbooks running at once on one controller share one pace per API operation.

Three ansible-playbook runs of connect_attached_files start together, each at requests_per_second 2 (the account's
quota, not a share of it) with pacing_scope host, against a local endpoint that enforces Connect's default quota
(2 requests per second, burst 5) on every Connect and Cases operation. Each run paced alone would offer the service
three times its quota (pacing_scope task at 2/s each: most Starts throttled); sharing one bucket per operation on
the host, they together stay within it. The endpoint's counters say how many calls it refused.
"""

import json
import secrets

from localconnect import defaults

from test_paced_clients import QUOTA
from test_paced_clients import api_calls

RUNS = 3
FILES = 4
TASK = "Attached files"


def run_items(run):
    """FILES new text files for run ``run``: {file name: content}."""
    return {f"run{run}-doc{n}.txt": f"file {n} of run {run}: {secrets.token_hex(16)}\n" for n in range(FILES)}


def test_three_playbooks_at_once_share_the_hosts_pace_and_stay_within_the_quota(playbook, connect, tmp_path):
    runtime = tmp_path / "xdg-runtime"  # the one host's lock directory, where the shared buckets are
    runtime.mkdir(mode=0o700)
    contents = [run_items(run) for run in range(RUNS)]
    cases = [defaults.case_arn(case) for case in defaults.CASE_IDS[:RUNS]]
    before = connect.state()["calls"]
    connect.set_pacing(rate_limits=QUOTA)
    processes = [
        playbook("attached_files.yml", background=True, env={"XDG_RUNTIME_DIR": str(runtime)}, associated_resource_arn=case,
                 files=[{"content": text, "file_name": name} for name, text in files.items()], concurrency=4,
                 requests_per_second=2, pacing_scope="host")
        for case, files in zip(cases, contents)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, (stdout[-3000:], stderr[-3000:])
    state = connect.state()
    connect.set_pacing(rate_limits={})

    # every run uploaded its files, without a warning (the shared buckets were used, not each task's own)
    for process in processes:
        results = [r for r in _results(process) if r["task"] == TASK]
        assert len(results) == 1, results
        result = results[0]["result"]
        assert result["summary"]["uploaded"] == FILES and not result.get("warnings"), result
    pace_files = sorted(p.name for p in (runtime / "contactcenter.connect-locks").iterdir() if p.name.endswith(".pace"))
    assert len(pace_files) >= 3, pace_files  # Start, Complete and CreateRelatedItem at least, one file each for all runs

    # the endpoint: each file once on its case, uploaded once, linked once
    live = [f for f in state["files"] if not f["deleted"]]
    expected = sorted((case, name) for case, files in zip(cases, contents) for name in files)
    assert sorted((f["associated_resource_arn"], f["file_name"]) for f in live) == expected
    assert all(f["file_status"] == "APPROVED" and f["upload_count"] == 1 for f in live)
    assert len(state["related_items"]) == RUNS * FILES
    calls = api_calls(state, before)
    throttled = sum(state["throttled"].values())
    print(f"API calls {sum(calls.values())} {calls}; throttled {throttled} {state['throttled']}")
    assert calls["StartAttachedFileUpload"] >= RUNS * FILES
    # together within the quota: at most 5% of the API calls throttled (three runs pacing alone at 2/s each offer
    # the service 6 Starts a second)
    assert throttled <= 0.05 * sum(calls.values()), (calls, state["throttled"], connect.timeline())


def _results(process):
    """The results the record_results callback wrote for a background run."""
    path = process.work / "results.json"
    return json.loads(path.read_text()) if path.exists() else []
