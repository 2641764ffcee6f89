"""Test helper: run localconnect as a subprocess, exactly as users run it.

With pytest, use the plugin's fixtures (``pytest_plugin.py``: ``localconnect``, reset for each test;
``localconnect_factory`` for a server with other options) rather than this class directly::

    def test_upload(localconnect):
        client = localconnect.client()          # boto3 'connect' client
        subprocess.run(["ansible-playbook", "upload.yml"], env=localconnect.subprocess_env(), check=True)
        assert localconnect.state()["calls"]["UploadPut"] == 1

Elsewhere::

    with LocalConnect(scan_delay=0.2) as server:
        ...

Control calls use urllib only; ``client()`` imports boto3 lazily.
"""

import base64
import copy
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from localconnect import defaults

_TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LocalConnectError(RuntimeError):
    """The server did not start or a control call failed."""


class LocalConnect:  # pylint: disable=too-many-instance-attributes
    """A localconnect server in a subprocess.

    :param seed: seed document (dict) written to a temp file and passed as ``--seed``.
    :param scan_delay: ``--scan-delay`` seconds.
    :param data_dir: ``--data-dir`` (default: the server's own temp dir).
    :param modes: behaviour modes ``{name: value}`` (``modes.py``), passed as ``--mode name=value``.
    :param chaos: chaos settings ``{"rate", "seed", "faults", "operations"}`` (``chaos.py``), passed as
        ``--chaos``, ``--chaos-seed``, ``--chaos-faults``, ``--chaos-operations``.
    :param extra_args: more command-line arguments.
    :param start_timeout: seconds to wait for the JSON start line.
    """

    def __init__(self, seed=None, scan_delay=None, data_dir=None, extra_args=(), start_timeout=30.0, modes=None,
                 chaos=None):
        self.seed = copy.deepcopy(seed)
        self.startup_modes = dict(modes or {})
        self.startup_chaos = dict(chaos or {})
        self.scan_delay = scan_delay
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.process = None
        self.info = None
        self.startup_seconds = None
        self._seed_file = None
        self._log = None
        self._final_log = ""
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # ----------------------------------------------------------- process --

    def command(self):
        """The command line used to start the server."""
        command = [sys.executable, "-m", "localconnect", "--port", "0", "--upload-port", "0"]
        if self._seed_file is not None:
            command += ["--seed", self._seed_file]
        if self.scan_delay is not None:
            command += ["--scan-delay", str(self.scan_delay)]
        if self.data_dir is not None:
            command += ["--data-dir", self.data_dir]
        for name, value in sorted(self.startup_modes.items()):
            command += ["--mode", "%s=%s" % (name, value)]
        for key, option in (("rate", "--chaos"), ("seed", "--chaos-seed")):
            if self.startup_chaos.get(key) is not None:
                command += [option, str(self.startup_chaos[key])]
        for key, option in (("faults", "--chaos-faults"), ("operations", "--chaos-operations")):
            if self.startup_chaos.get(key):
                command += [option, ",".join(self.startup_chaos[key])]
        return command + self.extra_args

    def start(self):
        """Spawn the server and wait for its JSON start line."""
        if self.seed is not None:
            handle, self._seed_file = tempfile.mkstemp(prefix="localconnect-seed-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(self.seed, stream)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_TOOLS_DIR, env.get("PYTHONPATH")]))
        self._log = tempfile.TemporaryFile(prefix="localconnect-log-")  # pylint: disable=consider-using-with
        started = time.monotonic()
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            self.command(), stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL, env=env)
        line = self._read_start_line(started)
        self.startup_seconds = time.monotonic() - started
        self.info = json.loads(line)
        return self

    def _read_start_line(self, started):
        stream = self.process.stdout
        while time.monotonic() - started < self.start_timeout:
            ready = select.select([stream], [], [], 0.1)[0]
            if ready:
                line = stream.readline()
                if line:
                    return line.decode("utf-8")
            if self.process.poll() is not None:
                break
        self.stop()
        raise LocalConnectError("localconnect did not start: %s" % self.log_text())

    def stop(self, timeout=10):
        """SIGTERM the server and wait; return its exit code."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout)
            code = self.process.returncode
            self.process.stdout.close()
        if self._seed_file is not None and os.path.exists(self._seed_file):
            os.unlink(self._seed_file)
        return code

    def log_text(self):
        """What the server wrote to stderr (so far, or until it stopped)."""
        if self._log is None:
            return ""
        if self._log.closed:
            return self._final_log
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def __enter__(self):
        # already started (``localconnect_factory`` hands out started servers): just manage its end
        return self if self.process is not None else self.start()

    def __exit__(self, *exc_info):
        self.stop()
        if self._log is not None:
            self._final_log = self.log_text()
            self._log.close()

    # -------------------------------------------------------- endpoints --

    @property
    def endpoint_url(self):
        """Connect API endpoint."""
        return self.info["endpoint_url"]

    @property
    def upload_url(self):
        """Upload plane base URL."""
        return self.info["upload_url"]

    @property
    def control_url(self):
        """Test-control API base URL."""
        return self.info["control_url"]

    @property
    def region(self):
        """Region of the endpoint."""
        return self.info["region"]

    @property
    def pid(self):
        """Server process id."""
        return self.info["pid"]

    @property
    def access_key(self):
        """Access key id of the (first) test credential."""
        return self._credential()[0]

    @property
    def secret_key(self):
        """Secret key of the (first) test credential."""
        return self._credential()[1]

    @property
    def instance_id(self):
        """Id of the (first) seeded instance."""
        if self.seed and self.seed.get("instances"):
            return self.seed["instances"][0]["instance_id"]
        return defaults.INSTANCE_ID

    @property
    def session_token(self):
        """Session token of the (first) test credential, or None."""
        if self.seed and self.seed.get("credentials"):
            return self.seed["credentials"][0].get("session_token")
        return None

    def _credential(self):
        if self.seed and self.seed.get("credentials"):
            first = self.seed["credentials"][0]
            return first["access_key_id"], first["secret_access_key"]
        return defaults.ACCESS_KEY, defaults.SECRET_KEY

    @property
    def domain_id(self):
        """Id of the (first) seeded Cases domain."""
        if self.seed and self.seed.get("cases_domains"):
            return self.seed["cases_domains"][0]["domain_id"]
        return defaults.CASES_DOMAIN_ID

    def case_arn(self, case_id=None, domain_id=None):
        """ARN of a case (default: the first case of the first seeded domain)."""
        if case_id is None:
            cases = self.seed["cases_domains"][0].get("cases", []) if self.seed and self.seed.get("cases_domains") \
                else defaults.CASE_IDS
            first = cases[0]
            case_id = first["case_id"] if isinstance(first, dict) else first
        return defaults.case_arn(case_id, domain_id or self.domain_id, self.region)

    def contact_arn(self, contact_id=None):
        """ARN of a contact of the first instance (default: the default email contact)."""
        return defaults.contact_arn(contact_id or defaults.CONTACT_IDS[0], self.instance_id, self.region)

    @property
    def env(self):
        """Environment variables that point AWS clients, ``ansible-playbook`` and ``ansible-runner`` here.

        ``AWS_URL`` is amazon.aws's (and this collection's) ``endpoint_url``, ``AWS_ENDPOINT_URL`` botocore's
        own (1.31+); ``LOCALCONNECT_*`` name the seeded instance, case and URLs for playbooks
        (``lookup('env', 'LOCALCONNECT_CASE_ARN')``). Loopback is kept away from proxies.
        """
        found = {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
            "LOCALCONNECT_ENDPOINT_URL": self.endpoint_url,
            "LOCALCONNECT_UPLOAD_URL": self.upload_url,
            "LOCALCONNECT_CONTROL_URL": self.control_url,
            "LOCALCONNECT_REGION": self.region,
            "LOCALCONNECT_INSTANCE_ID": self.instance_id,
            "LOCALCONNECT_DOMAIN_ID": self.domain_id,
            "LOCALCONNECT_CASE_ARN": self.case_arn(),
        }
        if self.session_token:
            found["AWS_SESSION_TOKEN"] = self.session_token
        return found

    def subprocess_env(self, base=None, **extra):
        """A whole environment for a subprocess: ``base`` (default ``os.environ``) without its AWS, EC2 and proxy
        settings (a developer's real profile must not leak in), plus ``env``, plus ``extra``."""
        base = os.environ if base is None else base
        result = {key: value for key, value in base.items()
                  if not key.startswith(("AWS_", "EC2_")) and not key.lower().endswith("_proxy")}
        result.update(self.env)
        result.update(extra)
        return result

    # ---------------------------------------------------------- control --

    def _control(self, method, action, document=None):
        data = None if document is None else json.dumps(document).encode("utf-8")
        request = urllib.request.Request("%s/%s" % (self.control_url, action), data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with self._opener.open(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LocalConnectError("%s /_localconnect/%s failed: %s %s"
                                    % (method, action, exc.code, exc.read().decode("utf-8", "replace"))) from exc

    def state(self):
        """GET /_localconnect/state."""
        return self._control("GET", "state")

    def reset(self, seed=None):
        """POST /_localconnect/reset (optionally with a seed document)."""
        return self._control("POST", "reset", seed)

    def inject_fault(self, operation, fault, count=1, seconds=None):
        """POST /_localconnect/faults."""
        document = {"operation": operation, "fault": fault, "count": count}
        if seconds is not None:
            document["seconds"] = seconds
        return self._control("POST", "faults", document)

    def clear_faults(self):
        """DELETE /_localconnect/faults."""
        return self._control("DELETE", "faults")

    def forget_tokens(self):
        """POST /_localconnect/forget-tokens."""
        return self._control("POST", "forget-tokens")

    def set_scan_delay(self, seconds):
        """POST /_localconnect/config {"scan_delay": seconds}."""
        return self._control("POST", "config", {"scan_delay": seconds})

    def set_clock_offset(self, seconds):
        """POST /_localconnect/clock: shift the server clock by ``seconds``."""
        return self._control("POST", "clock", {"offset_seconds": seconds})

    def put_object(self, uri, data):
        """POST /_localconnect/objects: an S3 object (bytes) that CreateAttachedFile can copy from ``uri``."""
        return self._control("POST", "objects", {"uri": uri, "content_base64": base64.b64encode(data).decode("ascii")})

    def set_pacing(self, **document):
        """POST /_localconnect/pacing: ``latency``, ``upload_latency``, ``rate_limits`` (keys left out stay)."""
        return self._control("POST", "pacing", document)

    def timeline(self, resources=False):
        """GET /_localconnect/timeline: ``[seconds since reset, operation, admitted]`` per request, in the order they
        arrived; with ``resources``, ``[..., resource]`` (a Cases request's case id, a Connect request's
        associatedResourceArn, or None)."""
        document = self._control("GET", "timeline")
        if not resources:
            return document["requests"]
        return [entry + [resource] for entry, resource in zip(document["requests"], document["resources"])]

    def modes(self):
        """GET /_localconnect/modes: the current behaviour modes."""
        return self._control("GET", "modes")["modes"]

    def set_modes(self, **modes):
        """POST /_localconnect/modes: change behaviour modes (``set_modes(complete_twice="noop")``)."""
        return self._control("POST", "modes", modes)["modes"]

    def calls(self):
        """Requests per operation since the reset (the counters of GET /_localconnect/state)."""
        return self.state()["calls"]

    def chaos(self):
        """GET /_localconnect/chaos: chaos settings and what fired since the reset."""
        return self._control("GET", "chaos")["chaos"]

    def set_chaos(self, **settings):
        """POST /_localconnect/chaos: ``rate``, ``seed``, ``faults``, ``operations`` (keys left out stay)."""
        return self._control("POST", "chaos", settings)["chaos"]

    def client(self, service="connect", **kwargs):
        """A boto3 client for ``service`` pointed at this server with the test credentials."""
        import boto3  # pylint: disable=import-outside-toplevel

        options = {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "aws_access_key_id": self.access_key,
            "aws_secret_access_key": self.secret_key,
        }
        options.update(kwargs)
        return boto3.client(service, **options)
