# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The serial script of tools/bench/bulk.py: tools/bench/handwritten.py's steps for files on many cases, one at a time.

One process, one Connect and one Cases client, and for each entry of the manifest (a JSON list of
``{"path": ..., "resource_arn": <case ARN>}``) exactly what ``handwritten.py --link-to-case --describe-config``
does for one file: the case's File items read page by page with a metadata lookup per page, the
configuration, Start, PUT, Complete, BatchGet until APPROVED, CreateRelatedItem. This is the script a
user writes instead of a ``loop:``. Writes one JSON line: per-file results and seconds per step.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import handwritten  # noqa: E402  pylint: disable=wrong-import-position,import-error


def main(argv=None):
    """Entry point."""
    parser = handwritten.manifest_parser(__doc__.split("\n", 1)[0])
    parser.add_argument("--poll-delay", type=float, default=0.25)
    options = parser.parse_args(argv)
    manifest = handwritten.read_manifest(options.manifest)
    timer = handwritten.Timer()
    timer.seconds["imports"] = handwritten.IMPORTED - handwritten.STARTED
    client = timer.call("client", handwritten.boto3.client, "connect", endpoint_url=options.endpoint_url, region_name=options.region)
    cases = timer.call("cases_client", handwritten.boto3.client, "connectcases", endpoint_url=options.endpoint_url,
                       region_name=options.region)
    results = []
    for entry in manifest:
        # handwritten.py's own option handling, one file at a time with that file's case
        file_options = handwritten.parse_args([
            "--endpoint-url", options.endpoint_url, "--region", options.region, "--instance-id", options.instance_id,
            "--resource-arn", entry["resource_arn"], "--file", entry["path"], "--link-to-case", "--describe-config",
            "--poll-delay", str(options.poll_delay)])
        results.append(handwritten.attach((client, cases), timer, file_options, entry["path"]))
    timer.seconds["total_in_process"] = time.perf_counter() - handwritten.STARTED
    sys.stdout.write(json.dumps({"results": results, "seconds": timer.seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
