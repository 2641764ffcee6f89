"""pytest plugin (entry point ``pytest11``): a local Connect endpoint for your tests.

Loaded when the ``localconnect`` package is installed. Fixtures:

``localconnect``
    session-scoped: the session's endpoint (one ``localconnect`` process per pytest process or xdist
    worker), reset before each test that uses it (directly or through another fixture): no files,
    counters, faults or clock offset; seed, modes and chaos settings as the session started. It is a ``localconnect.testing.LocalConnect``: ``endpoint_url``,
    ``upload_url``, ``control_url``, ``region``, ``access_key``/``secret_key``, ``instance_id``,
    ``case_arn()``, ``env`` (AWS_* and LOCALCONNECT_* variables for ``ansible-playbook`` or
    ``ansible-runner``), ``subprocess_env()`` (a whole environment: yours without AWS/proxy settings,
    plus ``env``), ``seed``, ``state()``/``calls()`` (counters), ``inject_fault()``, ``set_chaos()``/
    ``chaos()``, ``set_modes()``, ``set_clock_offset()``, ``reset(seed)``, ``client(service)`` (boto3).
``localconnect_factory``
    ``localconnect_factory(**options)`` starts another endpoint with other options (the keyword
    arguments of ``LocalConnect``: ``seed``, ``scan_delay``, ``modes``, ``chaos``, ``extra_args``, ...);
    it is stopped at the end of the session, or earlier with ``with localconnect_factory(...) as server:``.
``localconnect_options``
    the options the session's endpoint starts with, from the command line and ini file; override it in
    a ``conftest.py`` (it may request itself) to set them in code.

Command-line options (and ini keys, in brackets): ``--localconnect-seed PATH`` (``localconnect_seed``)
a seed JSON file; ``--localconnect-mode NAME=VALUE`` (``localconnect_modes``, one per line) behaviour
modes; ``--localconnect-scan-delay SECONDS`` (``localconnect_scan_delay``); ``--localconnect-chaos RATE``
with ``--localconnect-chaos-seed N``, ``--localconnect-chaos-faults KIND,...`` and
``--localconnect-chaos-operations OPERATION,...``: run the whole suite under chaos mode;
``--localconnect-arg ARG`` any other command-line argument of ``localconnect`` (repeatable).
"""

import json

import pytest

from localconnect.testing import LocalConnect


def pytest_addoption(parser):
    """The --localconnect-* options and ini keys."""
    group = parser.getgroup("localconnect", "localconnect: a local Amazon Connect attached-files endpoint")
    group.addoption("--localconnect-seed", metavar="PATH",
                    help="seed JSON file of the session's endpoint: credentials, instances, cases_domains (cases with "
                         "custom fields), contacts, scan_delay, quotas, modes (ini: localconnect_seed)")
    group.addoption("--localconnect-mode", action="append", default=[], metavar="NAME=VALUE",
                    help="behaviour mode of the session's endpoint, repeatable, e.g. complete_twice=noop "
                         "(ini: localconnect_modes, one per line)")
    group.addoption("--localconnect-scan-delay", type=float, metavar="SECONDS",
                    help="seconds from CompleteAttachedFileUpload to APPROVED (ini: localconnect_scan_delay; "
                         "default: the seed's, else 1.0)")
    group.addoption("--localconnect-chaos", type=float, metavar="RATE",
                    help="chaos mode: this fraction (0-1) of requests gets a random fault (throttle, internal, reset, lost)")
    group.addoption("--localconnect-chaos-seed", type=int, metavar="N", help="chaos mode's random seed (default 0)")
    group.addoption("--localconnect-chaos-faults", metavar="KIND,...",
                    help="chaos fault kinds (default all: throttle,internal,reset,lost)")
    group.addoption("--localconnect-chaos-operations", metavar="OPERATION,...",
                    help="operations that get chaos faults (default *: all, uploads included)")
    group.addoption("--localconnect-arg", action="append", default=[], metavar="ARG",
                    help="another command-line argument for localconnect, repeatable (e.g. --localconnect-arg=--latency=0.05)")
    parser.addini("localconnect_seed", "seed JSON file of the session's localconnect endpoint")
    parser.addini("localconnect_modes", "behaviour modes NAME=VALUE of the session's localconnect endpoint", type="linelist")
    parser.addini("localconnect_scan_delay", "scan delay (seconds) of the session's localconnect endpoint")


def _names(text):
    return [item.strip() for item in text.split(",") if item.strip()] if text else None


def options_from_config(config):
    """``LocalConnect`` keyword arguments from the command line and the ini file."""
    seed_path = config.getoption("localconnect_seed") or config.getini("localconnect_seed") or None
    seed = None
    if seed_path:
        with open(str(seed_path), encoding="utf-8") as handle:
            seed = json.load(handle)
    modes = {}
    for item in list(config.getini("localconnect_modes") or []) + list(config.getoption("localconnect_mode") or []):
        name, sep, value = item.partition("=")
        if not sep:
            raise pytest.UsageError("--localconnect-mode needs NAME=VALUE, got %r" % item)
        modes[name.strip()] = value.strip()
    scan_delay = config.getoption("localconnect_scan_delay")
    if scan_delay is None and config.getini("localconnect_scan_delay"):
        scan_delay = float(config.getini("localconnect_scan_delay"))
    chaos = {"rate": config.getoption("localconnect_chaos"), "seed": config.getoption("localconnect_chaos_seed"),
             "faults": _names(config.getoption("localconnect_chaos_faults")),
             "operations": _names(config.getoption("localconnect_chaos_operations"))}
    return {"seed": seed, "modes": modes, "scan_delay": scan_delay,
            "chaos": {key: value for key, value in chaos.items() if value is not None},
            "extra_args": list(config.getoption("localconnect_arg") or [])}


@pytest.fixture(scope="session")
def localconnect_options(pytestconfig):
    """Options of the session's endpoint (override in a conftest.py to set them in code)."""
    return options_from_config(pytestconfig)


@pytest.fixture(scope="session")
def localconnect_factory():
    """``start(**LocalConnect options)``: another endpoint, stopped at the end of the session at the latest."""
    started = []

    def start(**options):
        server = LocalConnect(**options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def localconnect(localconnect_factory, localconnect_options):  # pylint: disable=redefined-outer-name
    """The session's endpoint, started once; reset before each test that uses it (``_localconnect_reset``)."""
    return localconnect_factory(**localconnect_options)


@pytest.fixture(autouse=True)
def _localconnect_reset(request):
    """Reset the session's endpoint before a test that uses it, directly or through its fixtures."""
    if "localconnect" in request.fixturenames:
        request.getfixturevalue("localconnect").reset()
