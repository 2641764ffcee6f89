# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Write every task result to a JSON file (integration tests)
description:
  - Appends each task's name, status and result to a list and writes it as JSON to the file named by
    the environment variable E(RECORD_RESULTS_PATH) when the playbook ends.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.results = []

    def _record(self, result, status):
        # The whole result as the module returned it, diff included (_dump_results would drop it).
        data = json.loads(json.dumps(result._result, cls=AnsibleJSONEncoder))
        self.results.append({"task": result._task.get_name(), "status": status, "result": data})

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["RECORD_RESULTS_PATH"], "w") as stream:
            json.dump(self.results, stream)
