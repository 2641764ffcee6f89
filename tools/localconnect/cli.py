"""Command line: ``localconnect [options]`` (the console script) or ``python -m localconnect [options]``."""

import argparse
import ipaddress
import socket
import sys

from localconnect import __version__, chaos, defaults, modes, pacing, server
from localconnect.seed import SeedError, build_seed, load_seed_file
from localconnect.storage import prepare_root

DESCRIPTION = """\
A local stand-in for Amazon Connect attached files and the Connect Cases operations around them,
for tests and CI: a control plane (the Connect and Cases REST APIs, SigV4-checked, shaped by
botocore's installed service models), an upload plane (S3-style pre-signed PUT/GET URLs) and an
unauthenticated test-control API (/_localconnect/: state, reset, faults, chaos, modes, clock).

On start it prints one JSON line on stdout: endpoint_url, upload_url, control_url, region, pid;
then it serves until SIGTERM or SIGINT. Requests are logged on stderr without query strings or
credentials. Test credentials (unless --seed gives others): access key %s,
secret key %s, region %s.""" % (defaults.ACCESS_KEY, defaults.SECRET_KEY, defaults.REGION)

EPILOG = """\
security:
  The test-control API has no authentication: anyone who reaches it can reset the server, read
  what was uploaded and change its clock. localconnect therefore binds 127.0.0.1 by default,
  refuses a non-loopback --host unless --allow-remote is given, refuses test-control requests
  that carry an Origin header (a browser page) or, without --allow-remote, a Host that is not a
  loopback address or localhost (DNS rebinding). Upload and download URLs are signed with a key
  made at every start. Uploaded objects are written 0600 in a 0700 folder; an existing
  --data-dir that group or others may enter is refused.

exit codes:
  0  stopped by SIGTERM or SIGINT (or --help / --version)
  1  could not start: the address or port is in use, a TLS file cannot be read, ...
  2  bad command line or configuration: an unknown option, a bad seed file, a bad --mode,
     --chaos or pacing value, a non-loopback --host without --allow-remote, an unsafe --data-dir

examples:
  localconnect --port 0                         # any free ports; read the URLs from the JSON line
  localconnect --seed seed.json --scan-delay 0.2 --mode complete_twice=noop
  localconnect --chaos 0.1 --chaos-seed 7       # 10% of requests fail, reproducibly
  localconnect --host 0.0.0.0 --allow-remote    # reachable from other hosts (e.g. a CI service container)

More: README.md beside this package (tools/localconnect/README.md in the collection)."""


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a fraction between 0 and 1, e.g. 0.1") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("expected a fraction between 0 and 1, e.g. 0.1")
    return value


def _names(text):
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser(prog="localconnect"):
    """The argument parser."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    network = parser.add_argument_group("addresses")
    network.add_argument("--host", default="127.0.0.1",
                         help="address both planes bind (default 127.0.0.1); another than a loopback address "
                              "needs --allow-remote")
    network.add_argument("--allow-remote", action="store_true",
                         help="allow a non-loopback --host (such as 0.0.0.0), exposing the unauthenticated "
                              "test-control API to the network, and accept any Host header on it")
    network.add_argument("--port", type=int, default=0, help="control-plane port (default 0: any free port)")
    network.add_argument("--upload-port", type=int, default=0, help="upload-plane port (default 0: any free port)")
    network.add_argument("--upload-tls-cert", help="PEM certificate (chain): the upload plane speaks HTTPS with it")
    network.add_argument("--upload-tls-key", help="PEM private key of --upload-tls-cert (default: in that file)")
    network.add_argument("--upload-tls-client-ca",
                         help="PEM CA: the upload plane requires a client certificate it signed")
    world = parser.add_argument_group("what exists")
    world.add_argument("--seed", help="seed JSON file: credentials, instances, cases_domains (cases with custom "
                                      "fields and tags), contacts, scan_delay, quotas, modes (README: Seed documents)")
    world.add_argument("--data-dir", help="folder for uploaded objects, created 0700 (default: a temporary folder "
                                          "removed on exit); an existing one must be 0700 and yours")
    world.add_argument("--scan-delay", type=float, default=None,
                       help="seconds from CompleteAttachedFileUpload to APPROVED/REJECTED "
                            "(default: the seed's scan_delay, else %.1f)" % defaults.SCAN_DELAY)
    behaviour = parser.add_argument_group("behaviour")
    mode_values = "; ".join("%s=%s" % (name, "|".join(values)) for name, (values, _summary) in modes.MODES.items())
    behaviour.add_argument("--mode", action="append", default=[], metavar="NAME=VALUE",
                           help="a behaviour mode where the service's behaviour is inferred, repeatable (overrides "
                                "the seed's modes; README: Behaviour modes; first value = default): " + mode_values)
    pacing.add_arguments(behaviour)
    faults = parser.add_argument_group("chaos mode (random faults, seeded)")
    faults.add_argument("--chaos", type=_fraction, default=0.0, metavar="RATE",
                        help="fraction of requests (0-1) that get a random fault (default 0: off)")
    faults.add_argument("--chaos-seed", type=int, default=0, metavar="N",
                        help="random seed: the same seed gives the same faults to the same sequence of requests "
                             "(default 0)")
    faults.add_argument("--chaos-faults", type=_names, default=list(chaos.CHAOS_FAULTS), metavar="KIND,...",
                        help="fault kinds to draw from (default all): throttle (429/503 before the work), "
                             "internal (500 before the work), reset (connection reset before the work), "
                             "lost (the work is done, then the connection closes without a response)")
    faults.add_argument("--chaos-operations", type=_names, default=[chaos.ALL], metavar="OPERATION,...",
                        help="operations that get faults (default '*': every Connect and Cases operation, "
                             "UploadPut and DownloadGet)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


def is_loopback(host):
    """True when ``host`` (an address or a name) means this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(item[4][0].split("%")[0]).is_loopback for item in found)


def _usage(message):
    sys.stderr.write("localconnect: %s\n" % message)
    return 2


def main(argv=None, prog="localconnect"):  # pylint: disable=too-many-return-statements
    """Entry point; returns the exit code (see EPILOG)."""
    options = build_parser(prog).parse_args(argv)
    try:
        seed = load_seed_file(options.seed) if options.seed else build_seed()
    except (OSError, SeedError) as exc:
        return _usage("bad seed: %s" % exc)
    try:
        seed.modes.update(modes.parse_assignments(options.mode))
    except ValueError as exc:
        return _usage(str(exc))
    if options.scan_delay is not None and options.scan_delay < 0:
        return _usage("--scan-delay must be >= 0")
    scan_delay = options.scan_delay
    if scan_delay is None:
        scan_delay = seed.scan_delay if seed.scan_delay is not None else defaults.SCAN_DELAY
    if (options.upload_tls_key or options.upload_tls_client_ca) and not options.upload_tls_cert:
        return _usage("--upload-tls-key and --upload-tls-client-ca need --upload-tls-cert")
    if not is_loopback(options.host):
        if not options.allow_remote:
            return _usage("--host %s is not a loopback address: the test-control API has no authentication; "
                          "add --allow-remote to expose it anyway" % options.host)
        sys.stderr.write("localconnect: WARNING: listening on %s (--allow-remote): anyone who reaches this "
                         "address can reset this server and read what was uploaded\n" % options.host)
    if options.data_dir:
        try:
            prepare_root(options.data_dir)
        except OSError as exc:
            return _usage("--data-dir: %s" % exc)
    try:
        return server.run(options, seed, scan_delay)
    except OSError as exc:
        sys.stderr.write("localconnect: cannot start: %s\n" % exc)
        return 1
    except (pacing.PacingError, server.ChaosOptionError) as exc:
        return _usage(str(exc))
