"""The bulk module under localconnect's chaos mode: 10% of every request (Connect, Cases, uploads) get a random
fault of every kind - throttling, a 5xx, a connection reset before the work, a response lost after the work - with
a fixed seed; then the same task without chaos. Every file must exist exactly once, APPROVED with its content,
linked to its case exactly once: retries after a lost response must not duplicate anything."""

from test_connect_attached_files import CASE2_ARN
from test_connect_attached_files import TASK
from test_connect_attached_files import assert_each_file_once
from test_connect_attached_files import bulk
from test_connect_attached_files import items
from test_connect_attached_files import texts

from conftest import CASE_ARN

# This seed loses responses (the work done, no answer) within the first 16 requests of Start, UploadPut, Complete
# and CreateRelatedItem, which each get at least 18 here: those faults fire whatever the timing of the polls.
CHAOS = {"rate": 0.1, "seed": 20263040, "faults": ["throttle", "internal", "reset", "lost"], "operations": ["*"]}


def test_bulk_converges_under_chaos_then_without(playbook, connect):
    first_case, second_case = texts(10, "chaos-a"), texts(8, "chaos-b")
    files = items(first_case) + items(second_case, associated_resource_arn=CASE2_ARN)
    expected = {(CASE_ARN, name): content for name, content in first_case}
    expected.update({(CASE2_ARN, name): content for name, content in second_case})

    connect.set_chaos(**CHAOS)
    under_chaos = bulk(playbook, files)
    fired = connect.chaos()
    print("under chaos: rc %d, summary %s, fired %s, requests %s" % (
        under_chaos.rc, under_chaos.results and under_chaos.result(TASK).get("summary"), fired["fired"],
        sum(fired["requests"].values())))
    print("fired by operation: %s" % fired["fired_by_operation"])
    if under_chaos.results:
        for entry in under_chaos.result(TASK).get("files", []):
            if entry.get("failed"):
                print("failed under chaos: %s" % entry)
    # every kind fired, on the control plane and on the upload plane
    assert all(count > 0 for count in fired["fired"].values()), fired
    for operation in ("StartAttachedFileUpload", "UploadPut", "CompleteAttachedFileUpload", "CreateRelatedItem"):
        assert fired["fired_by_operation"].get(operation, {}).get("lost"), (operation, fired["fired_by_operation"])

    connect.set_chaos(rate=0)
    calm = bulk(playbook, files)
    assert calm.rc == 0, calm.stdout[-3000:]
    summary = calm.result(TASK)["summary"]
    print("without chaos: summary %s" % summary)
    assert summary["failed"] == 0
    assert_each_file_once(connect, expected)
    # nothing left behind: exactly the expected files exist (no orphan from a retried Start)
    live = [f for f in connect.state()["files"] if not f["deleted"]]
    assert sorted((f["associated_resource_arn"], f["file_name"]) for f in live) == sorted(expected)
