#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_files
short_description: Make many files present on (or absent from) Amazon Connect cases and email contacts in one task
version_added: 0.2.0
description:
  - The bulk form of M(contactcenter.connect.connect_attached_file), with the same engine. Each entry of O(files) is one
    file; its options mean what the same options of M(contactcenter.connect.connect_attached_file) mean, and are checked
    the same way.
  - The module reads what exists first, batched (each case's File related items once per task, page by page; file
    metadata 100 files per call; the attached-files configuration once per instance and scope), decides per file
    (nothing, upload, link or delete), then carries the actions out O(concurrency) at a time over one Connect client,
    one Connect Cases client and one pooled HTTP session for the uploads. The wait polls every pending file of a
    resource with one call. With O(on_refused=skip) the reads and the writes overlap, case by case (see O(on_refused)).
  - One failing item never stops the others. Items refused before any write (a bad option, an extension or size the
    instance does not allow) are refused before anything is written; when all items have finished, the task fails if
    any item failed, naming each. An item either finished or is finished by running the task again, without duplicates.
  - Requests are paced per API operation (see O(requests_per_second); Connect's default limit is 2 requests per second
    with a burst of 5, per API and account); throttling that still happens is retried.
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  instance_id:
    description:
      - The identifier of the Amazon Connect instance (the id, not the ARN).
    type: str
    required: true
  associated_resource_arn:
    description:
      - The resource of the items that set no O(files[].associated_resource_arn), a Connect Cases case ARN or an email
        contact ARN of the instance, as for M(contactcenter.connect.connect_attached_file).
      - With O(exclusive), a case named here is one of the cases whose other files are deleted.
    type: str
  files:
    description:
      - The files, one entry each. The result lists them in the same order.
      - An entry's O(files[].tags), O(files[].created_by), O(files[].file_use_case_type), O(files[].state) and
        O(files[].associated_resource_arn) replace the task's option of the same name for that entry.
      - Two entries for the same file (same client token) are one file; the second reports C(changed=false).
    type: list
    elements: dict
    required: true
    suboptions:
      src:
        description:
          - Path of the file to upload. Exactly one of O(files[].src), O(files[].content) and O(files[].content_base64)
            (for O(files[].state=absent), or O(files[].file_id)).
          - By default a file on the controller, found as M(ansible.builtin.copy) finds its C(src) (the role's C(files/),
            then the playbook's C(files/) and folder), vault-encrypted files decrypted (O(decrypt)); with
            O(remote_src=true), a path on the host that runs the module. See
            M(contactcenter.connect.connect_attached_file) for the details.
          - Entries whose O(files[].src) is not found on the controller fail the task before anything is transferred or
            written, each named with the places searched.
          - When the module runs on another host than the controller, each distinct file is copied to that host's
            temporary folder once per task, and removed after it.
        type: path
      content:
        description:
          - Text to upload, encoded as UTF-8. Requires O(files[].file_name).
          - Not logged (C(no_log)), like O(contactcenter.connect.connect_attached_file#module:content), because attachments
            often hold personal data. Ansible masks each occurrence of the text in the task's output.
        type: str
      content_base64:
        description:
          - Binary content to upload, base64-encoded. Requires O(files[].file_name).
          - Not logged (C(no_log)).
        type: str
      file_name:
        description: Name of the file as Connect shows it (no C(/)); defaults to the basename of O(files[].src).
        type: str
      associated_resource_arn:
        description: The resource of this file (default O(associated_resource_arn)).
        type: str
      client_token:
        description:
          - The file's idempotency token; derived as M(contactcenter.connect.connect_attached_file) derives it when not set.
          - A derived token moves on to its next generation (C(<token>-2), ...) to attach a file again after O(state=absent),
            as M(contactcenter.connect.connect_attached_file) describes; the item's C(client_token) says which. A token
            given here is never changed.
        type: str
      tags:
        description:
          - Tags of the file (default O(tags)). Left out (here and in O(tags)), an existing file's tags are accepted as
            they are; given, they are compared, and a file with other tags fails naming the keys that differ.
        type: dict
      created_by:
        description:
          - The creator of the file (default O(created_by)), with exactly one of C(connect_user_arn), C(aws_identity_arn).
          - Left out (here and in O(created_by)), an existing file's creator is accepted as it is; given, it is compared.
        type: dict
        suboptions:
          connect_user_arn:
            description: ARN of a Connect user.
            type: str
          aws_identity_arn:
            description: ARN of an IAM identity.
            type: str
      file_use_case_type:
        description: The use case of the file (default O(file_use_case_type)).
        type: str
      state:
        description: V(present) or V(absent) (default O(state)).
        type: str
        choices: [present, absent]
      file_id:
        description: The id of an existing file, as for M(contactcenter.connect.connect_attached_file).
        type: str
  state:
    description: The default state of the items.
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: The default tags of the items (at most 49; see M(contactcenter.connect.connect_attached_file)).
    type: dict
  file_use_case_type:
    description: The default use case of the items.
    type: str
    default: ATTACHMENT
  exclusive:
    description:
      - On each case the task names (the cases of the items and O(associated_resource_arn)), delete the attached files
        shown on the case (its File related items) that no item of O(files) describes. They are listed in RV(removed).
      - Case ARNs only; with a contact ARN the task fails before any call, because Connect cannot list a contact's files.
      - When an item of a case is refused before its content is known (with O(remote_src=true), a missing O(files[].src)), nothing
        is deleted on that case, and the task warns.
      - Check mode and diff show what would be deleted.
    type: bool
    default: false
  link_to_case:
    description: As for M(contactcenter.connect.connect_attached_file), for every item on a case.
    type: bool
  wait:
    description:
      - Wait until Connect has approved each uploaded file (all pending files are polled together).
      - A file is waited for only while it is V(PROCESSING) (or V(PENDING_UPLOAD)). V(REJECTED) or V(FAILED) fails its
        item; so does any other status, such as V(DRAFTING) (the file is not usable yet), at once and naming it.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each file's final status, from the end of its upload.
    type: int
    default: 300
  url_expiry_in_seconds:
    description: Lifetime of the pre-signed upload URLs, 5 to 300 seconds.
    type: int
  concurrency:
    description: How many actions (uploads, links, deletes, reads) are in flight at once, 1 to 32.
    type: int
    default: 4
  requests_per_second:
    description:
      - Client-side pace of each Connect and Connect Cases API operation, a token bucket per operation with a burst of 5.
      - Not set, the pace adapts; each operation starts at Connect's default limit (2 requests per second) and probes
        beyond it one request at a time while calls wait. It speeds up when the service admits a probe, keeps its pace
        (and probes ever more rarely) when the service throttles one, and slows down when a call at its pace is
        throttled (docs/performance.md).
      - A number is a fixed pace (your quota, if it was raised); V(0) turns pacing off. Throttled calls are retried
        in every case.
      - A fixed pace below 2 (a share of the default quota, for runs at the same time such as sliced jobs) gets the same
        share of the burst, 5 x O(requests_per_second) / 2 (a fraction of a request), so that the runs together burst
        no more than the quota's 5.
      - With O(pacing_scope=host) this is the pace of the whole host (not set, V(2), Connect's default limit), with a
        burst of 5; see O(pacing_scope).
    type: float
  pacing_scope:
    description:
      - Who shares the pace of O(requests_per_second).
      - V(task) (the default), this task alone; each module process has its own buckets.
      - V(host), every module process of this user on the host the module runs on (the controller for tasks with
        C(ansible_connection=local)) that paces the same service endpoint (region and endpoint URL) with
        O(pacing_scope=host) shares one bucket per API operation, at a fixed O(requests_per_second) (not set, V(2))
        with a burst of 5, the account's quota rather than a share of it. Forks, C(loop:) and slices started on one
        controller then together keep the quota, and a process can use what the others do not. A throttled call makes every process wait one request longer.
      - The buckets are small files in the per-user directory of the host-local token locks (C($XDG_RUNTIME_DIR), else
        the temporary directory). Runs on other hosts (other AWX execution nodes, containers) do not share them; divide
        the quota by the number of hosts that run at once. Where that directory cannot be used the task paces alone, at
        the same rate, with a warning.
      - V(0) for O(requests_per_second) turns pacing off in either scope.
    type: str
    choices: [task, host]
    default: task
  on_refused:
    description:
      - What the task does when it refuses items before any write (bad options, an empty or missing file, a refused
        extension, a size over the limit, an unknown case, the same file twice with conflicting options, or a lookup
        the service refused).
      - V(fail) (the default) writes nothing at all and fails naming every refused item; the other items report
        C(skipped) with C(skip_reason). Correct the input and run the task again.
      - V(skip) reports the refused items as failed entries of RV(files), writes the others, and fails at the end naming
        the refused ones. For migrations that must not stop on one bad file.
      - V(skip) is also faster over many cases. Nothing has to be refused before the first write, so the module reads,
        plans and writes one case at a time. The files of a case are uploaded while the next cases are read, instead of
        after every case's lookup. Items on no case (contacts, and files named by O(files[].file_id) whose case is not read)
        go first. A case's O(exclusive) deletions still come from the whole case. Check mode reads everything first, as
        with V(fail).
      - Errors of the service during the writes are per item in both cases.
    type: str
    choices: [fail, skip]
    default: fail
notes:
  - The module has the action plugin of M(contactcenter.connect.connect_attached_file) (O(files[].src) on the
    controller, O(remote_src), O(decrypt)); it supports C(async).
  - In check mode no write call is made. For cases (with O(link_to_case)) and items with O(files[].file_id) the
    answer is exact, from one lookup per case.
  - In diff mode (C(--diff)) the result has a C(diff) list with, per changed item and per file O(exclusive) deletes,
    the metadata before and after; without it, no C(diff).
  - Runs on one host serialise per file (client token) with a host-local lock, so forks and concurrent jobs on one
    machine make each file once; the lock's note of the file (written as soon as Start answers) also lets a later run
    resume a file a stopped run completed but did not link. Runs on different machines are not serialised; see
    docs/connect_attached_files.md.
attributes:
  check_mode:
    support: partial
    details:
      - No write call is made. For cases, and items with O(files[].file_id), the prediction comes from read-only calls
        and is exact.
      - For an email contact item without O(files[].file_id), the module cannot see whether the file exists and
        reports a change, saying why in the item's C(check_mode_reason).
  diff_mode:
    support: full
    details: Per changed item (and per file O(exclusive) deletes), the file's metadata before and after.
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.upload_source
  - contactcenter.connect.file_options
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Put the case pack on a new case
  contactcenter.connect.connect_attached_files:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    tags:
      pack: onboarding
    files:
      - src: welcome.pdf       # the role's (or the playbook's) files/welcome.pdf
      - src: terms.pdf
      - content: "Your reference number is 4711."
        file_name: reference.txt
  register: pack

- name: Migrate attachments of many cases, 16 files at a time
  contactcenter.connect.connect_attached_files:
    instance_id: 11111111-1111-4111-8111-111111111111
    concurrency: 16
    files: "{{ attachments }}"   # a list of {associated_resource_arn: ..., src: ...}
  register: migrated

- name: Make the case show exactly these files (check first)
  contactcenter.connect.connect_attached_files:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0002
    exclusive: true
    files:
      - src: files/claim-form.pdf
  check_mode: true
  register: would_remove
"""

RETURN = r"""
files:
  description:
    - One entry per item of O(files), in the same order, each with what M(contactcenter.connect.connect_attached_file)
      returns for that file (C(changed), C(client_token), C(checksum_sha256), C(file), C(related_item_id),
      C(check_mode_reason)), plus C(failed) and C(msg) for an item that failed, and C(skipped) and C(skip_reason) for
      an item left unwritten because the task refused others (O(on_refused=fail)).
    - For an item with C(content) or C(content_base64), its C(checksum_sha256), a C(client_token) derived from it and the
      digest tag in C(file.tags) are masked (C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)), as in the single-file module.
  returned: always
  type: list
  elements: dict
removed:
  description: The files O(exclusive) deleted (in check mode, would delete), each with C(changed) and C(file).
  returned: always
  type: list
  elements: dict
diff:
  description:
    - Per changed item and per file O(exclusive) deletes, the file before and after (C({}) for no file).
    - Each entry's C(before_header) and C(after_header) name the item and where it is, such as
      C(files[3] (claim.pdf) on case case-0001) or C(files[4] (reply.txt) on contact <contact id>).
  returned: in diff mode (C(--diff))
  type: list
  elements: dict
summary:
  description:
    - How many items were C(uploaded) (uploaded, or finished, by this task), C(unchanged), C(deleted) (items with
      state=absent, plus the files O(exclusive) deleted) and C(failed); C(linked) counts the files this task showed on
      their case (a related item made), new uploads included, so a first upload of 3 files to a case reports 3 and 3.
    - Items left unwritten because the task refused others (O(on_refused=fail)) are in no count.
    - In check mode, what the task would do.
  returned: always
  type: dict
  sample: {"uploaded": 3, "linked": 3, "unchanged": 47, "deleted": 0, "failed": 0}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import exclusive_cases
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import item_options
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import performed_by
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import task_spec
from ansible_collections.contactcenter.connect.plugins.module_utils.engine import Engine
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import warn
from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.options import CREATED_BY
from ansible_collections.contactcenter.connect.plugins.module_utils.options import STATE_CHOICES
from ansible_collections.contactcenter.connect.plugins.module_utils.options import file_options
from ansible_collections.contactcenter.connect.plugins.module_utils.options import upload_task_options
from ansible_collections.contactcenter.connect.plugins.module_utils.results import bulk_result
from ansible_collections.contactcenter.connect.plugins.module_utils.results import failure_message
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for
from ansible_collections.contactcenter.connect.plugins.module_utils.source import hash_ahead

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    associated_resource_arn=dict(type="str"),
    files=dict(
        type="list", elements="dict", required=True,
        options=dict(associated_resource_arn=dict(type="str"), state=dict(type="str", choices=STATE_CHOICES), **file_options()),
    ),
    state=dict(type="str", default="present", choices=STATE_CHOICES),
    tags=dict(type="dict"),
    created_by=CREATED_BY,
    file_use_case_type=dict(type="str", default="ATTACHMENT"),
    exclusive=dict(type="bool", default=False),
    concurrency=dict(type="int", default=4),
    requests_per_second=dict(type="float"),
    pacing_scope=dict(type="str", choices=["task", "host"], default="task"),
    on_refused=dict(type="str", choices=["fail", "skip"], default="fail"),
    **upload_task_options(),
)


def task_problem(params):
    """Why the task's own options cannot work (before any call), or None."""
    if not 1 <= params["concurrency"] <= 32:
        return f"concurrency must be between 1 and 32, got {params['concurrency']}"
    if params["wait_timeout"] < 1:
        return f"wait_timeout must be at least 1 second, got {params['wait_timeout']}"
    if params["requests_per_second"] is not None and params["requests_per_second"] < 0:
        return f"requests_per_second must be 0 (no pacing) or more, got {params['requests_per_second']}"
    return None


def attach_all(module):
    """Every item through the engine; the bulk result (failed, naming each failed item, when any failed)."""
    params = module.params
    problem = task_problem(params)
    if problem:
        raise OptionError(message=problem)
    hash_ahead([item.get("src") for item in params["files"]])  # the contents' sha256 while the clients are made
    settings = settings_for(module)
    clients = Clients(module, settings)
    service_model = clients.connect.meta.service_model
    specs = [task_spec(module, item_options(params, item), service_model, index) for index, item in enumerate(params["files"])]
    user = performed_by(params, specs, lambda: clients.cases.meta.service_model.operation_model("CreateRelatedItem"))
    cases, warnings = exclusive_cases(params, specs)
    outcome = Engine(clients, settings, check_mode=module.check_mode, performed_by=user).run(specs, cases, on_refused=params["on_refused"])
    if getattr(clients.pacer, "problem", None):
        warnings.append(clients.pacer.problem)
    for warning in warnings + outcome.warnings:
        warn(module, warning)
    result = bulk_result(outcome.items, outcome.removed, check_mode=module.check_mode, diff=module._diff)  # pylint: disable=protected-access
    if any(item.error is not None for item in outcome.items + outcome.removed):
        message = failure_message(outcome.items + outcome.removed)
        if outcome.refused_whole:
            message += (". Nothing was written (on_refused: fail): correct or remove the refused items, or set on_refused: skip "
                        "to write the others")
        result.update(failed=True, msg=message)
    return result


def main():
    run_module(AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True), attach_all)


if __name__ == "__main__":
    main()
