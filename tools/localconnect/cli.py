"""Command line: ``python -m localconnect [options]``."""

import argparse
import sys

from localconnect import defaults, modes, pacing, server
from localconnect.seed import SeedError, build_seed, load_seed_file


def build_parser():
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m localconnect",
        description="Local stand-in for Amazon Connect attached files (control plane + S3-style upload plane).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="control-plane port (default 0: any free port)")
    parser.add_argument("--upload-port", type=int, default=0, help="upload-plane port (default 0: any free port)")
    parser.add_argument("--seed", help="seed JSON file (credentials, instances, cases, contacts, scan_delay)")
    parser.add_argument("--data-dir", help="where uploaded objects go (default: a temp dir removed on exit)")
    parser.add_argument("--scan-delay", type=float, default=None,
                        help="seconds from CompleteAttachedFileUpload to APPROVED/REJECTED "
                             "(default: the seed's scan_delay, else %.1f)" % defaults.SCAN_DELAY)
    parser.add_argument("--upload-tls-cert", help="PEM certificate (chain): the upload plane speaks HTTPS with it")
    parser.add_argument("--upload-tls-key", help="PEM private key of --upload-tls-cert (default: in that file)")
    parser.add_argument("--upload-tls-client-ca", help="PEM CA: the upload plane requires a client certificate it signed")
    pacing.add_arguments(parser)
    parser.add_argument("--mode", action="append", default=[], metavar="NAME=VALUE",
                        help="a behaviour mode, repeatable (overrides the seed's modes): %s" % "; ".join(
                            "%s=%s" % (name, "|".join(values)) for name, (values, _summary) in modes.MODES.items()))
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


def main(argv=None):
    """Entry point; returns the exit code."""
    options = build_parser().parse_args(argv)
    try:
        seed = load_seed_file(options.seed) if options.seed else build_seed()
    except (OSError, SeedError) as exc:
        sys.stderr.write("localconnect: bad seed: %s\n" % exc)
        return 2
    try:
        seed.modes.update(modes.parse_assignments(options.mode))
    except ValueError as exc:
        sys.stderr.write("localconnect: %s\n" % exc)
        return 2
    if options.scan_delay is not None and options.scan_delay < 0:
        sys.stderr.write("localconnect: --scan-delay must be >= 0\n")
        return 2
    scan_delay = options.scan_delay
    if scan_delay is None:
        scan_delay = seed.scan_delay if seed.scan_delay is not None else defaults.SCAN_DELAY
    if (options.upload_tls_key or options.upload_tls_client_ca) and not options.upload_tls_cert:
        sys.stderr.write("localconnect: --upload-tls-key and --upload-tls-client-ca need --upload-tls-cert\n")
        return 2
    try:
        return server.run(options, seed, scan_delay)
    except OSError as exc:
        sys.stderr.write("localconnect: cannot start: %s\n" % exc)
        return 1
    except pacing.PacingError as exc:
        sys.stderr.write("localconnect: %s\n" % exc)
        return 2
