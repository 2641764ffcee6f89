"""The pytest plugin, as a user's pytest run loads it: options, ini keys, reset per test, env mapping, factory."""

import json
import os
import subprocess
import sys

USER_TESTS = '''\
import os

from localconnect import defaults


def test_options_reach_the_endpoint(localconnect):
    assert localconnect.instance_id == "seeded-instance"
    assert localconnect.case_arn().endswith("domain/seeded-domain/case/case-7")
    state = localconnect.state()
    assert state["modes"]["complete_twice"] == "noop" and state["modes"]["token_after_delete"] == "freed"
    assert state["scan_delay"] == 0.1
    chaos = localconnect.chaos()
    assert chaos["rate"] == 0.25 and chaos["seed"] == 9 and chaos["faults"] == ["throttle"]
    assert chaos["operations"] == ["DeleteAttachedFile"]


def test_first_uses_the_endpoint(localconnect):
    client = localconnect.client()
    client.start_attached_file_upload(InstanceId=localconnect.instance_id, FileName="a.txt", FileSizeInBytes=3,
                                      FileUseCaseType="ATTACHMENT", AssociatedResourceArn=localconnect.case_arn())
    localconnect.set_chaos(rate=1.0)
    assert len(localconnect.state()["files"]) == 1


def test_second_finds_it_reset(localconnect):
    assert localconnect.state()["files"] == []
    assert localconnect.chaos()["rate"] == 0.25  # the start-up chaos settings again


def test_env_maps_aws_and_localconnect_variables(localconnect):
    env = localconnect.env
    assert env["AWS_URL"] == env["AWS_ENDPOINT_URL"] == localconnect.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAPLUGIN0000000000" and env["AWS_SECRET_ACCESS_KEY"] == "plugin-secret"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == localconnect.region
    assert env["LOCALCONNECT_INSTANCE_ID"] == "seeded-instance" and env["LOCALCONNECT_CASE_ARN"] == localconnect.case_arn()
    full = localconnect.subprocess_env({"AWS_PROFILE": "production", "HTTPS_PROXY": "http://proxy:3128", "HOME": "/h"},
                                       ANSIBLE_NOCOLOR="1")
    assert "AWS_PROFILE" not in full and "HTTPS_PROXY" not in full and full["HOME"] == "/h" and full["ANSIBLE_NOCOLOR"] == "1"
    assert full["AWS_URL"] == localconnect.endpoint_url


def test_factory_starts_another(localconnect_factory, localconnect):
    with localconnect_factory(scan_delay=0, modes={"complete_twice": "invalid"}) as other:
        assert other.endpoint_url != localconnect.endpoint_url
        assert other.state()["modes"]["complete_twice"] == "invalid"
        assert other.instance_id == defaults.INSTANCE_ID
    assert other.process.returncode == 0
'''

SEED = {
    "credentials": [{"access_key_id": "AKIAPLUGIN0000000000", "secret_access_key": "plugin-secret"}],
    "instances": [{"instance_id": "seeded-instance"}],
    "cases_domains": [{"domain_id": "seeded-domain", "cases": [{"case_id": "case-7", "fields": {"legacy_id": "L-7"}}]}],
    "modes": {"token_after_delete": "freed"},
}


def test_a_users_run_with_options_and_ini(tmp_path):
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nlocalconnect_scan_delay = 0.1\nlocalconnect_modes =\n    complete_twice=noop\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "AWS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-ansible", "-p", "no:xdist",
         "--localconnect-seed", "seed.json", "--localconnect-chaos", "0.25", "--localconnect-chaos-seed", "9",
         "--localconnect-chaos-faults", "throttle", "--localconnect-chaos-operations", "DeleteAttachedFile"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout


def test_a_bad_mode_option_is_a_usage_error(tmp_path):
    (tmp_path / "test_user.py").write_text("def test_x(localconnect):\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-ansible",
                           "-p", "no:xdist", "--localconnect-mode", "complete_twice"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0 and "NAME=VALUE" in done.stdout + done.stderr
