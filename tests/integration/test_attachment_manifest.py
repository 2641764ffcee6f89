"""A migration from an old CRM's export: the attachment_manifest inventory plugin against the local endpoint.

A manifest of 18 files over 6 cases named by a legacy id (the Cases custom field legacy_id), plus a row naming a
legacy id no case has. `ansible-inventory` makes 6 hosts in connect_cases (the right ARNs, 3 files each) and one in
connect_unresolved, with fewer SearchCases requests than rows; examples/migration/migrate.yml with `-f 3` attaches
every file once on its own case and reports the unknown row in its last task; the re-run writes nothing. The same
through ansible-runner as AWX runs it: an inventory update from a project (`ansible-inventory --list --export`,
AWX's environment), then a job template with three slices over the imported inventory, at once.
"""

import hashlib
import json
import os
import random
import re
import secrets
import shutil
import subprocess

import pytest
from conftest import BIN
from conftest import COLLECTIONS
from conftest import ROOT

from localconnect import defaults

MIGRATION = ROOT / "examples" / "migration"
AWX = ROOT / "examples" / "awx"
DOMAIN_ARN = defaults.case_arn("x").rsplit("/case/", 1)[0]
CASES = {f"case-{n:04d}": f"LEG-{n:02d}" for n in range(1, 7)}  # case id -> legacy id
DECOYS = {"case-0900": "LEG-1", "case-0901": "leg-01", "case-0902": "LEG-01-old"}  # near misses, never meant
UNKNOWN = "LEG-404"
CASE_WRITES = ("StartAttachedFileUpload", "CompleteAttachedFileUpload", "DeleteAttachedFile", "UploadPut", "CreateRelatedItem")
RECAP = re.compile(r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)", re.M)
# what AWX's "Amazon Web Services" credential injects: a temporary credential
ACCESS_KEY = "ASIALOCALCONNECTINV1"
SECRET_KEY = "inventory/secret/access/key/0123456789abcdef"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEInventorySourceSessionToken0123456789=="


def seed():
    cases = [{"case_id": case_id, "fields": {"legacy_id": legacy}} for case_id, legacy in {**CASES, **DECOYS}.items()]
    return {
        "cases_domains": [{"domain_id": defaults.CASES_DOMAIN_ID, "cases": cases}],
        "credentials": [{"access_key_id": defaults.ACCESS_KEY, "secret_access_key": defaults.SECRET_KEY},
                        {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY, "session_token": SESSION_TOKEN}],
        "scan_delay": 0.2,
    }


def export(folder):
    """The CRM's export: 18 files over the 6 legacy ids, rows shuffled, plus a row of an unknown id.

    Returns (rows, {(case ARN, file name): sha256}). The config file and the manifest are written by the caller.
    """
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    rows, expected = [], {}
    for case_id, legacy in CASES.items():
        for number, extension in enumerate(("pdf", "txt", "csv")):
            name = f"{legacy}-doc{number}.{extension}"
            (files / name).write_bytes(secrets.token_bytes(48) * (1 + number))
            rows.append((legacy, f"files/{name}", "old-crm"))
            expected[(defaults.case_arn(case_id), name)] = hashlib.sha256((files / name).read_bytes()).hexdigest()
    random.Random(4711).shuffle(rows)
    (files / "lost.pdf").write_bytes(b"%PDF-1.4 lost\n")
    rows.insert(7, (UNKNOWN, "files/lost.pdf", "old-crm"))
    return rows, expected


def write_manifest(folder, rows):
    lines = ["legacy_case_id,src,tags.source"] + [",".join(row) for row in rows]
    (folder / "attachments.csv").write_text("\n".join(lines) + "\n")
    return lines


def environment(connect, work):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_")) and not k.lower().endswith("_proxy")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCAL_TEMP=str(work / "tmp-local"), ANSIBLE_REMOTE_TMP=str(work / "tmp-remote"),
        ANSIBLE_HOME=str(work / "ansible-home"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_INVENTORY_UNPARSED_FAILED="1",
        AWS_ACCESS_KEY_ID=connect.access_key, AWS_SECRET_ACCESS_KEY=connect.secret_key, AWS_URL=connect.endpoint_url,
    )
    return env


@pytest.fixture
def migration(connect, tmp_path):
    """examples/migration copied (config, playbook), with the test's export in place of the example's."""
    connect.reset(seed())
    folder = tmp_path / "migration"
    folder.mkdir()
    for name in ("migration.connect_manifest.yml", "migrate.yml"):
        shutil.copy(MIGRATION / name, folder / name)
    rows, expected = export(folder)
    write_manifest(folder, rows)
    return folder, rows, expected


def plain(document):
    """ansible-inventory's JSON with its unsafe markers (what plugins set is data, never a template) read as values."""
    return json.loads(document, object_hook=lambda o: o["__ansible_unsafe"] if set(o) == {"__ansible_unsafe"} else o)


def inventory_list(connect, folder, work):
    done = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(folder / "migration.connect_manifest.yml"), "--list"],
                          env=environment(connect, work), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"__ansible_unsafe"' in done.stdout  # manifest values are marked as data
    return plain(done.stdout), done.stderr


def playbook(connect, folder, work, *args):
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(folder / "migration.connect_manifest.yml"), str(folder / "migrate.yml"),
         "-e", f"connect_endpoint_url={connect.endpoint_url} connect_region={connect.region}", *args],
        env=environment(connect, work), capture_output=True, text=True, timeout=600, check=False)
    recap = {m.group("host"): {k: int(m.group(k)) for k in ("ok", "changed", "unreachable", "failed")} for m in RECAP.finditer(done.stdout)}
    return done, recap


def case_writes(connect):
    calls = connect.state()["calls"]
    return {op: calls.get(op, 0) for op in CASE_WRITES}


def assert_every_file_once_on_its_case(connect, expected):
    state = connect.state()
    live = [f for f in state["files"] if not f["deleted"]]
    assert sorted((f["associated_resource_arn"], f["file_name"]) for f in live) == sorted(expected)
    for record in live:
        assert record["sha256"] == expected[(record["associated_resource_arn"], record["file_name"])]
        assert record["file_status"] == "APPROVED" and record["upload_count"] == 1
    links = sorted((item["case_id"], item["file_arn"]) for item in state["related_items"])
    assert links == sorted((f["associated_resource_arn"].rsplit("/", 1)[1], f["file_arn"]) for f in live)
    assert state["calls"]["UploadPut"] == len(expected)


def test_inventory_lists_the_cases_with_their_files_and_the_unknown_id_apart(connect, migration, tmp_path):
    folder, rows, expected = migration
    inventory, _stderr = inventory_list(connect, folder, tmp_path)
    assert sorted(inventory["connect_cases"]["hosts"]) == sorted(CASES.values())
    assert inventory["connect_unresolved"]["hosts"] == [UNKNOWN]
    hostvars = inventory["_meta"]["hostvars"]
    for case_id, legacy in CASES.items():
        host = hostvars[legacy]
        assert host["connect_case_arn"] == defaults.case_arn(case_id)
        assert host["connect_case_id"] == case_id
        assert host["connect_instance_id"] == defaults.INSTANCE_ID and host["ansible_connection"] == "local"
        assert len(host["connect_files"]) == 3
        assert sorted(f["src"] for f in host["connect_files"]) == sorted(str(folder / src) for key, src, _tag in rows if key == legacy)
        assert all(f["tags"] == {"source": "old-crm"} for f in host["connect_files"])
        assert {(host["connect_case_arn"], f["src"].rsplit("/", 1)[1]) for f in host["connect_files"]} <= set(expected)
    lost = hostvars[UNKNOWN]
    assert lost["connect_unresolved_reason"] == (
        f"no case of domain {defaults.CASES_DOMAIN_ID} has legacy_id = '{UNKNOWN}': attachments.csv line 9 (1 file)")
    assert "connect_case_arn" not in lost
    searches = connect.state()["calls"]["SearchCases"]
    assert 1 <= searches < len(rows)  # 7 distinct ids: one request, not one per row
    assert searches == 1
    assert case_writes(connect) == dict.fromkeys(CASE_WRITES, 0)  # the inventory only reads


def test_a_bad_row_fails_the_inventory_with_its_line(connect, migration, tmp_path):
    folder, rows, _expected = migration
    lines = write_manifest(folder, rows)
    lines.insert(5, "LEG-01,,old-crm")
    (folder / "attachments.csv").write_text("\n".join(lines) + "\n")
    done = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(folder / "migration.connect_manifest.yml"), "--list"],
                          env=environment(connect, tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    # ansible-core wraps warnings at any character, a path's hyphen included: compare without white space
    assert re.sub(r"\s", "", f"manifest {folder / 'attachments.csv'}, line 6: the 'src' column is empty or missing") in re.sub(r"\s", "", done.stderr)
    assert connect.state()["calls"].get("SearchCases", 0) == 0


def test_playbook_with_three_forks_attaches_each_file_once_then_a_rerun_changes_nothing(connect, migration, tmp_path):
    folder, _rows, expected = migration
    done, recap = playbook(connect, folder, tmp_path, "-f", "3")
    assert sorted(h for h in recap if h != "localhost") == sorted(CASES.values()), done.stdout[-4000:]
    assert all(recap[h]["changed"] == 1 and recap[h]["failed"] == 0 for h in CASES.values()), recap
    # the one unresolved row is reported at the end, in one task, and fails the run
    assert recap["localhost"]["failed"] == 1 and done.returncode == 2
    report = done.stdout[done.stdout.index("TASK [Every row of the manifest names a case]"):]
    assert f"{UNKNOWN}: no case of domain {defaults.CASES_DOMAIN_ID} has legacy_id = '{UNKNOWN}': attachments.csv line 9 (1 file)" in report
    assert_every_file_once_on_its_case(connect, expected)
    assert not any(f["associated_resource_arn"].endswith(tuple(DECOYS)) for f in connect.state()["files"])

    before = case_writes(connect)
    searches = connect.state()["calls"]["SearchCases"]
    done, recap = playbook(connect, folder, tmp_path, "-f", "3")
    assert all(recap[h]["changed"] == 0 and recap[h]["failed"] == 0 for h in CASES.values()), done.stdout[-4000:]
    assert case_writes(connect) == before  # the re-run wrote nothing
    assert connect.state()["calls"]["SearchCases"] == searches + 1
    assert_every_file_once_on_its_case(connect, expected)


# ------------------------------------------------------------------------------------------------------ AWX --

def awx_env(connect, data):
    """What AWX puts in env/envvars: the credential's variables, the collections path, Ansible's temp folders."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SECURITY_TOKEN": SESSION_TOKEN, "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_LOCAL_TEMP": str(data / "tmp-local"), "ANSIBLE_REMOTE_TMP": str(data / "tmp-remote"), "ANSIBLE_HOME": str(data / "ansible-home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def clean_environment():
    """The test runner's own AWS and Ansible settings out of the way, as on an execution node."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "EC2_")) and not k.lower().endswith("_proxy")}


def inventory_update(connect, project, data, source_path):
    """An AWX inventory update of a source "Sourced from a Project": ansible-inventory through ansible-runner.

    As AWX's RunInventoryUpdate: the project checked out into the private data dir, `ansible-inventory --list --export
    -i project/<source path> --output artifacts/<id>/output.json --playbook-dir <its folder>` (the `args` file),
    AWX's standard inventory-update environment, the source variables as environment variables, the credential's.
    """
    shutil.copytree(project, data / "project")
    (data / "env").mkdir()
    envvars = awx_env(connect, data)
    envvars.update(ANSIBLE_INVENTORY_UNPARSED_FAILED="True", ANSIBLE_INVENTORY_EXPORT="True", ANSIBLE_VERBOSE_TO_STDERR="True")
    envvars.update(AWS_URL=connect.endpoint_url, AWS_REGION=connect.region)  # the source's variables
    (data / "env" / "envvars").write_text(json.dumps(envvars))
    source = data / "project" / source_path
    output = data / "artifacts" / "7" / "output.json"
    (data / "args").write_text(" ".join(["ansible-inventory", "--list", "--export", "-i", str(source), "--output", str(output),
                                         "--playbook-dir", str(source.parent)]))
    # ansible_runner.run in a process of its own (as AWX's worker calls it), not in pytest's threaded one
    runner = "import ansible_runner, sys; r = ansible_runner.run(private_data_dir=sys.argv[1], ident='7', quiet=True); print(r.status)"
    done = subprocess.run([str(BIN / "python"), "-c", runner, str(data)], env=clean_environment(), capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.stdout.strip() == "successful", (done.stdout[-2000:], done.stderr[-2000:], (data / "artifacts" / "7" / "stdout").read_text()[-3000:])
    return json.loads(output.read_text())  # as AWX's inventory import reads it: unsafe markers kept, and given back to jobs


def sliced_script(exported, slice_number, slice_count):
    """The inventory AWX gives slice k of N (Inventory.get_script_data): hosts by name, every N-th from the k-th."""
    hostvars = exported["_meta"]["hostvars"]
    every = sorted({h for name, group in exported.items() if name != "_meta" for h in group.get("hosts", [])} | set(hostvars))
    mine = set(every[slice_number - 1::slice_count])
    data = {"_meta": {"hostvars": {h: hostvars.get(h, {}) for h in sorted(mine)}}}
    for name, group in exported.items():
        if name == "_meta":
            continue
        data[name] = {key: value for key, value in group.items() if key != "hosts"}
        data[name]["hosts"] = [h for h in group.get("hosts", []) if h in mine]
    return "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(data), mine


def job_slice(connect, project, data, exported, slice_number, slice_count, extravars):
    """One slice of the sliced job template: the project, the sliced inventory script, the extra vars."""
    shutil.copytree(project, data / "project")
    script, hosts = sliced_script(exported, slice_number, slice_count)
    (data / "inventory").mkdir()
    (data / "inventory" / "hosts").write_text(script)
    (data / "inventory" / "hosts").chmod(0o700)
    (data / "env").mkdir()
    (data / "env" / "envvars").write_text(json.dumps(awx_env(connect, data)))
    (data / "env" / "extravars").write_text(json.dumps(extravars))
    (data / "env" / "settings").write_text(json.dumps({"idle_timeout": 600, "job_timeout": 600, "suppress_ansible_output": True}))
    return hosts


def start_job(data, playbook):
    """A job as an execution node runs it: `ansible-runner run` in a process of its own (slices run at once)."""
    return subprocess.Popen([str(BIN / "ansible-runner"), "run", str(data), "-p", playbook, "--ident", "1"],  # pylint: disable=consider-using-with
                            env=clean_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_job(process, data):
    """Wait for a job; returns (status as AWX shows it, its artifact folder)."""
    output, _stderr = process.communicate(timeout=600)
    artifacts = data / "artifacts" / "1"
    status = (artifacts / "status").read_text().strip() if (artifacts / "status").exists() else f"no status (rc {process.returncode}): {output[-2000:]}"
    return status, artifacts


def task_results(artifacts, task):
    """(host, failed, result) of a task, from the job events (what AWX stores and shows as host events)."""
    found = []
    for path in sorted((artifacts / "job_events").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        if event.get("event") in ("runner_on_ok", "runner_on_failed") and event["event_data"].get("task") == task:
            found.append((event["event_data"]["host"], event["event"] == "runner_on_failed", event["event_data"]["res"]))
    return found


def test_awx_inventory_source_from_a_project_then_a_sliced_job_template(connect, tmp_path):
    connect.reset(seed())
    project = tmp_path / "project"
    shutil.copytree(AWX, project)
    rows, expected = export(project / "inventory")
    write_manifest(project / "inventory", rows)  # the example's export, replaced by the test's

    exported = inventory_update(connect, project, tmp_path / "update", "inventory/migration.connect_manifest.yml")
    values = plain(json.dumps(exported))
    assert sorted(values["connect_cases"]["hosts"]) == sorted(CASES.values())
    assert values["connect_unresolved"]["hosts"] == [UNKNOWN]
    assert values["connect_cases"]["vars"] == {"connect_instance_id": defaults.INSTANCE_ID}  # --export: group vars on the group
    assert {h: v["connect_case_arn"] for h, v in values["_meta"]["hostvars"].items() if h != UNKNOWN} == {
        legacy: defaults.case_arn(case_id) for case_id, legacy in CASES.items()}
    assert connect.state()["calls"]["SearchCases"] < len(rows)

    extravars = dict(aws_region=connect.region, connect_endpoint_url=connect.endpoint_url, migration_slices=3,
                     upload_concurrency=4, remove_others="false")
    slices = {n: job_slice(connect, project, tmp_path / f"slice{n}", exported, n, 3, extravars) for n in (1, 2, 3)}
    running = {n: start_job(tmp_path / f"slice{n}", "migrate_attachments.yml") for n in slices}  # three slices at once
    jobs = {n: finish_job(process, tmp_path / f"slice{n}") for n, process in running.items()}
    assert sorted(h for hosts in slices.values() for h in hosts) == sorted([*CASES.values(), UNKNOWN])
    attached = {}
    for number, (status, artifacts) in jobs.items():
        results = task_results(artifacts, "Attach the case's files")
        assert sorted(host for host, _failed, _res in results) == sorted(slices[number] - {UNKNOWN})  # each slice its own cases
        for host, failed, res in results:
            assert not failed and res["changed"] and res["summary"]["uploaded"] == 3
            attached[host] = res
        report = task_results(artifacts, "Every row of the manifest names a case")
        if UNKNOWN in slices[number]:  # the slice that holds the unknown id reports it, at its end, and fails
            assert status == "failed" and [failed for _h, failed, _r in report] == [True]
            assert f"{UNKNOWN}: no case of domain" in json.dumps(report[0][2]["msg"])
        else:
            assert status == "successful", status
    assert sorted(attached) == sorted(CASES.values())
    assert_every_file_once_on_its_case(connect, expected)

    # the whole job again: nothing is written
    before = case_writes(connect)
    for number in (1, 2, 3):
        data = tmp_path / f"rerun{number}"
        job_slice(connect, project, data, exported, number, 3, extravars)
        _status, artifacts = finish_job(start_job(data, "migrate_attachments.yml"), data)
        results = task_results(artifacts, "Attach the case's files")
        assert results and all(not failed and not res["changed"] for _h, failed, res in results)
    assert case_writes(connect) == before
    assert_every_file_once_on_its_case(connect, expected)
