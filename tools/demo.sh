#!/usr/bin/env bash
# `make demo`: start the local Connect endpoint, upload a file to a case twice with
# examples/attach_to_case.yml (first run: changed, second run: ok), show what the endpoint holds,
# stop the endpoint. Runs after tools/bootstrap.sh (the Makefile sees to that).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN="$ROOT/.venv/bin"

for needed in plugins/modules/connect_attached_file.py tools/localconnect/__main__.py; do
    if [ ! -f "$needed" ]; then
        echo "demo: $needed does not exist yet, so there is nothing to demonstrate" >&2
        exit 1
    fi
done

mkdir -p build/demo
# This run's announcement goes to a file of its own: a previous run's endpoint.json (or a half-written
# line) is never read. The endpoint writes one JSON line once it listens; wait for the whole line.
announce=$(mktemp build/demo/endpoint.XXXXXX.json)
PYTHONPATH="$ROOT/tools" "$BIN/python" -m localconnect --port 0 --scan-delay 1 > "$announce" 2> build/demo/endpoint.log &
endpoint_pid=$!
trap 'kill "$endpoint_pid" 2>/dev/null; wait "$endpoint_pid" 2>/dev/null || true; rm -f "$announce"' EXIT
endpoint_url=$("$BIN/python" - "$announce" "$endpoint_pid" <<'PY'
import json, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    with open(path) as announcement:
        line = announcement.readline()
    if line.endswith("\n"):
        print(json.loads(line)["endpoint_url"])
        sys.exit(0)
    try:
        with open("/proc/%d/stat" % pid) as stat:
            alive = stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        alive = False
    if not alive:
        sys.exit("demo: the local endpoint exited before it listened; see build/demo/endpoint.log")
    time.sleep(0.05)
sys.exit("demo: the local endpoint did not announce itself within 30 s; see build/demo/endpoint.log")
PY
)
cp "$announce" build/demo/endpoint.json
eval "$(PYTHONPATH="$ROOT/tools" "$BIN/python" -c '
from localconnect import defaults
print(f"export AWS_ACCESS_KEY_ID={defaults.ACCESS_KEY} AWS_SECRET_ACCESS_KEY={defaults.SECRET_KEY}")')"
echo "== local Connect endpoint at $endpoint_url"

for run in first second; do
    echo "== $run run of examples/attach_to_case.yml"
    ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_CALLBACK_RESULT_FORMAT=yaml \
        "$BIN/ansible-playbook" examples/attach_to_case.yml -e connect_endpoint_url="$endpoint_url"
done

echo "== what the endpoint holds"
"$BIN/python" - "$endpoint_url" <<'PY'
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1] + "/_localconnect/state"))
calls = {k: v for k, v in sorted(state["calls"].items()) if v}
print("calls:", json.dumps(calls))
for f in state["files"]:
    print(f"file {f['file_id']}: {f['file_name']} {f['file_size_in_bytes']} bytes {f['file_status']} sha256={f['sha256']} uploads={f['upload_count']}")
for item in state["related_items"]:
    print(f"case {item['case_id']}: related item {item['related_item_id']} ({item['type']}) -> {item['file_arn']}")
# Two runs, one file, one upload, one link: the second run found the file and sent nothing.
if len(state["files"]) != 1 or state["files"][0]["file_status"] != "APPROVED" or calls.get("UploadPut") != 1:
    sys.exit("demo: expected one APPROVED file uploaded once after two runs")
if [item["file_arn"] for item in state["related_items"]] != [state["files"][0]["file_arn"]]:
    sys.exit("demo: expected the file to be shown on its case by exactly one related item")
print("demo: two runs, one APPROVED file, one upload, shown once on the case: the second run was ok")
PY
