"""Run both listeners until SIGTERM/SIGINT."""

import json
import os
import shutil
import signal
import ssl
import sys
import tempfile
import threading

from localconnect import chaos, pacing, patterns
from localconnect.app import App
from localconnect.control_http import ControlHandler
from localconnect.httpbase import Server
from localconnect.upload_http import UploadHandler


def _url(host, port, scheme="http"):
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = "[%s]" % host
    return "%s://%s:%d" % (scheme, host, port)


def upload_tls_context(options):
    """The upload plane's server-side TLS context (--upload-tls-cert/-key, --upload-tls-client-ca), or None."""
    if not options.upload_tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.upload_tls_cert, options.upload_tls_key)
    if options.upload_tls_client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(options.upload_tls_client_ca)
    return context


class ChaosOptionError(ValueError):
    """A --chaos-* option names an unknown fault kind or operation."""


def chaos_settings(app, options):
    """The start-up chaos settings of the command line (``--chaos`` and friends)."""
    try:
        return app.chaos.parse({"rate": getattr(options, "chaos", 0.0), "seed": getattr(options, "chaos_seed", 0),
                                "faults": getattr(options, "chaos_faults", list(chaos.CHAOS_FAULTS)),
                                "operations": getattr(options, "chaos_operations", [chaos.ALL])})
    except ValueError as exc:
        raise ChaosOptionError("bad chaos option: %s" % exc) from exc


def run(options, seed, scan_delay):
    """Bind, announce the endpoints on stdout (one JSON line), serve, clean up.

    Returns the process exit code.
    """
    owns_data_dir = options.data_dir is None
    data_dir = tempfile.mkdtemp(prefix="localconnect-") if owns_data_dir else options.data_dir
    stop = threading.Event()
    servers = []
    try:
        control = Server((options.host, options.port), ControlHandler, None, quiet=options.quiet)
        servers.append(control)
        tls = upload_tls_context(options)
        upload = Server((options.host, options.upload_port), UploadHandler, None, quiet=options.quiet, plane="upload", tls=tls)
        servers.append(upload)
        app = App(seed, data_dir, scan_delay, _url(options.host, control.server_address[1]),
                  _url(options.host, upload.server_address[1], "https" if tls else "http"))
        app.pacing.set_startup(pacing.startup_settings(app.pacing, options))
        app.chaos.set_startup(chaos_settings(app, options))
        app.allow_remote = bool(getattr(options, "allow_remote", False))
        control.app = app
        upload.app = app

        def _stop(_signum, _frame):
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
                   for server in servers]
        for thread in threads:
            thread.start()
        sys.stdout.write(json.dumps({
            "endpoint_url": app.endpoint_url,
            "upload_url": app.upload_url,
            "control_url": app.control_url,
            "region": app.region,
            "pid": os.getpid(),
        }) + "\n")
        sys.stdout.flush()
        # Compile the model's Unicode-class patterns now rather than on the first request.
        threading.Thread(target=patterns.warm_up, args=(app.model_patterns(),), daemon=True).start()
        while not stop.wait(0.5):
            pass
        for server in servers:
            server.shutdown()
        return 0
    finally:
        for server in servers:
            server.server_close()
        if owns_data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
