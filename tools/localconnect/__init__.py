"""localconnect: a strict, real-HTTP local stand-in for Amazon Connect attached files.

Run it::

    PYTHONPATH=tools python -m localconnect --port 0

It prints one JSON line with ``endpoint_url`` (Connect API, SigV4-checked),
``upload_url`` (S3-style pre-signed PUT/GET), ``control_url`` (unsigned
test-control API), ``region`` and ``pid``, and serves until SIGTERM/SIGINT.
Point boto3 at ``endpoint_url`` with the credentials in ``defaults.py``.
See README.md in this folder for the full behaviour and the control API, and
``localconnect.testing.LocalConnect`` for a pytest-friendly helper.
"""

# The collection's version (galaxy.yml); pyproject.toml reads it and tests/localconnect/test_package.py checks it.
__version__ = "0.1.0"
