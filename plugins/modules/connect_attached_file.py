#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_file
short_description: Upload a file to an Amazon Connect case, email or task contact, or attach a voice recording from S3, idempotently
version_added: 0.1.0
description:
  - Makes a file present on (or absent from) an Amazon Connect resource, a Connect Cases case, an email contact or a task contact.
  - For O(state=present) the module asks Connect for a pre-signed upload URL (C(StartAttachedFileUpload)),
    uploads the content with exactly the headers Connect returns, completes the upload
    (C(CompleteAttachedFileUpload)) and, with O(wait=true), waits until Connect has approved the file.
  - The identity of a file is its client token. When O(client_token) is not set, the module derives one from what
    identifies the file, so running the same task again finds the same file and reports C(changed=false)
    without uploading anything. See O(client_token) for the derivation.
  - Connect cannot change an attached file. A task that asks for different O(tags) or O(created_by) for the same
    content and name fails with a clear message; delete the file first or set a new O(client_token).
  - With O(source_uri), Connect copies a voice recording from S3 onto a completed voice contact itself
    (C(CreateAttachedFile)); nothing is uploaded by the module. See O(source_uri).
  - The pre-signed URLs are credentials; they never appear in the task result, warnings, errors or logs.
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  state:
    description:
      - V(present) uploads the file unless it is already there (and, for a case, links it to the case).
      - V(absent) deletes the file named by O(file_id); for a case, without O(file_id), the file on the case with
        the task's content and name (see O(link_to_case)). A file that is already gone is C(ok).
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path of the file to upload.
      - By default a file on the controller, found as M(ansible.builtin.copy) finds its C(src); a relative path is
        looked up in the role's C(files/), then the playbook's C(files/) and folder, so O(src=claim-form.pdf) in a
        role reads C(files/claim-form.pdf) of the role. A vault-encrypted file is uploaded decrypted (O(decrypt)).
      - With O(remote_src=true), a path on the host that runs the module.
      - The module reads the file whenever O(src) is given, for the content's digest, including a re-run that finds
        the file by O(file_id), check mode and O(state=absent); when the module runs on another host than the
        controller, the file is copied to that host's temporary folder each time.
      - Exactly one of O(src), O(content), O(content_base64) and O(source_uri) is required with O(state=present), and
        one of O(src), O(content), O(content_base64) with O(state=absent) when O(file_id) is not set.
    type: path
  content:
    description:
      - Text to upload, encoded as UTF-8. Requires O(file_name).
      - Not logged (C(no_log)), like C(content) of M(ansible.builtin.copy), because attachments often hold personal data.
        As with every C(no_log) value, Ansible masks each occurrence of the text in the task's output, so a very
        short text also masks the same characters in names and messages.
    type: str
  content_base64:
    description:
      - Binary content to upload, base64-encoded. Requires O(file_name).
      - Line breaks and other whitespace are ignored (the output of C(base64) and of C(b64encode) filters is accepted
        as it is); any other character outside the base64 alphabet fails.
      - Not logged (C(no_log)).
    type: str
  source_uri:
    description:
      - The S3 URI, C(s3://<bucket>/<key>) (1 to 2000 characters), of a voice recording that Connect copies into its own
        storage and attaches to O(associated_resource_arn), which must be a completed voice contact (Telephony subtype)
        (C(CreateAttachedFile)). The module uploads nothing.
      - O(file_use_case_type) defaults to V(VOICE_RECORDING), the only use case the API supports; any other fails before a call.
      - O(file_name), O(created_by), O(url_expiry_in_seconds), O(link_to_case) and O(performed_by) do not apply and fail when set.
      - The client token, unless O(client_token) is set, is C(ccc1-<sha256>) of the UTF-8 lines
        C(contactcenter.connect/v1/recording), O(instance_id), O(associated_resource_arn), O(source_uri) and
        O(file_use_case_type), joined with newlines; a re-run returns the same file and is C(ok).
      - With O(wait=true), waits for a final status as for uploads.
      - In check mode without O(file_id) the module cannot see whether the recording is attached (that needs
        C(CreateAttachedFile), a write) and reports C(changed=true) with RV(check_mode_reason).
      - Needs botocore 1.43.38 or later (the first whose model has C(CreateAttachedFile)); with an older botocore a task
        with O(source_uri) fails naming that version, while the other uses of the module work.
      - Needs C(connect:CreateAttachedFile), and read access to the object for Connect.
    type: str
    version_added: 0.2.0
  file_name:
    description:
      - Name of the file as Connect shows it; 1 to 256 characters, no control characters, no C(/) (Connect would
        store it, but a download cannot keep such a name).
      - Defaults to the basename of O(src). Required with O(content) and O(content_base64).
      - Its extension must be one the instance allows for the resource's attachment scope.
    type: str
  file_use_case_type:
    description:
      - The use case of the file. Values come from the installed botocore model (C(FileUseCaseType)).
      - Uploads (O(src), O(content), O(content_base64)) default to V(ATTACHMENT), in practice the only one Connect accepts for them;
        V(VOICE_RECORDING) needs O(source_uri).
      - With O(source_uri) it defaults to V(VOICE_RECORDING), the only value allowed there.
    type: str
  client_token:
    description:
      - The idempotency token of the file, at most 500 characters. The same token names the same file.
      - When not set, the module derives C(ccc1-<sha256>), where C(<sha256>) is the hex SHA-256 of these lines joined
        with newlines, UTF-8 encoded, C(contactcenter.connect/v1), the instance id (O(instance_id), an ARN reduced to
        its id), O(associated_resource_arn),
        O(file_name), O(file_use_case_type), and the hex SHA-256 of the content.
      - Connect remembers tokens for a limited time only; after that the same token makes a new file.
      - Connect may keep a deleted file's token bound to it. To attach the same file again after O(state=absent),
        the module then uses the derived token's next generation, C(<token>-2), then C(<token>-3) and so on, the
        same sequence in every run; RV(client_token) says which. It moves on when Connect answers with the deleted
        file. When Connect refuses the token instead (C(ResourceConflictException)), which may also mean a file
        completed by a run that stopped before linking it, the module reads the host-local lock's note of the
        token (written as soon as Start answers, see docs/connect_attached_files.md); if it names a file that still
        exists, the module resumes with that file (no second upload); if that file no longer exists, it moves on.
      - Without a note (another controller, a new container, a note older than a day), a refused token of a file
        linked to a case moves on with a warning naming the token (a completed file a stopped run did not link stays
        unlinked, since no call lists it); for any other file the task fails naming the way out (O(file_id), or a
        O(client_token) of your own), since moving on could attach a live file twice. A token the task sets is
        never changed.
    type: str
  tags:
    description:
      - Tags of the file, at most 49 (Connect allows 50 and the module records the content's SHA-256 under the
        reserved key C(contactcenter.connect:sha256)).
      - Set when the file is created; Connect cannot change them later.
      - Left out, an existing file's tags are accepted as they are (only its content is compared), as amazon.aws
        modules read an omitted option. Given, they are compared with the file's; a file with other tags fails,
        naming the keys that differ.
      - For a contact the module finds an existing file through its client token, and Connect may refuse a token
        whose file has other tags; give the file's O(file_id) to compare only what the task gives.
    type: dict
  url_expiry_in_seconds:
    description:
      - Lifetime of the pre-signed upload URL, 5 to 300 seconds. Connect's default is 300. Any other value
        (V(0) included) fails before a call is made.
      - An upload that finds its URL expired asks Connect for a fresh one (same token) and uploads again.
    type: int
  wait:
    description:
      - Wait until Connect has approved the file. V(REJECTED) or V(FAILED) fails the task.
      - The wait goes on only while the file is V(PROCESSING) (or V(PENDING_UPLOAD)). Any other status, such as
        V(DRAFTING) (new in botocore 1.43.115; the file is not usable yet) or one Connect adds later, is not approved;
        the task fails at once, naming it, and the file is not linked to its case.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for a final status; on timeout the task fails naming the last status seen.
    type: int
    default: 300
  file_id:
    description:
      - The id of an existing attached file.
      - With O(state=absent), the file to delete (required unless the file can be found on its case by its content).
      - With O(state=present), a file with this id that is APPROVED and matches the task (name, size, use case,
        tags including the content digest, creator) makes the task C(ok) from read-only calls, in check mode too.
    type: str
  link_to_case:
    description:
      - Make the file visible on its case, once APPROVED, through a Connect Cases related item of type File,
        unless the case already has one for the file. The domain and case ids come from O(associated_resource_arn).
      - Also makes the module find an existing file on the case without its client token, which Connect remembers
        for a limited time only. Before uploading, it lists the case's File related items and looks for a file
        with the same name, size, use case and content SHA-256 (recorded in the tag C(contactcenter.connect:sha256)).
        This makes check mode exact for cases, and lets O(state=absent) find the file by its content.
      - Defaults to V(true) when O(associated_resource_arn) is a case ARN; V(true) with a contact ARN fails.
      - Needs C(cases:SearchRelatedItems) and C(cases:CreateRelatedItem) permissions. Without O(file_id),
        O(state=absent) needs C(cases:SearchRelatedItems); with O(file_id) it makes no Cases call.
    type: bool
notes:
  - The module has an action plugin (shared by the collection's uploading modules) that finds O(src) on the controller
    and, when the module runs on another host, copies it there first. It supports C(async); check mode, C(--diff) and
    the task result are the module's own.
  - In check mode no write call (Start, upload, Complete, Delete, CreateRelatedItem) is made.
    For a case (with O(link_to_case)) or with O(file_id), check mode answers from read-only calls. Otherwise it
    cannot see whether the file exists and reports C(changed=true), saying why in RV(check_mode_reason).
  - In diff mode (C(--diff)) the result has a C(diff) with the file's metadata before and after; without it, no C(diff).
  - Before an upload (not when the file is already there) the module reads the instance's attached-files configuration for the scope of
    O(associated_resource_arn) and fails early when the file is too large or its extension is not allowed. The scope is CASE for a case;
    for a contact it follows the contact's channel, EMAIL or TASK, read with C(DescribeContact) (a contact of another channel
    fails; a task takes at most 5 files, and a sixth fails naming that limit). When the caller may not describe the contact
    or read the configuration, the module warns and uploads without the check.
  - A refusal Connect explains (a service quota such as the 50 files a case holds by default, or a file size, type or
    name the instance refuses) fails with a message naming the limit or the option; the AWS error code and its
    C(reason) stay in the result.
  - Connect calls are retried on C(ThrottlingException) and C(InternalServiceException) with jittered backoff;
    the upload is retried on connection errors and server errors.
  - The upload goes through botocore's own HTTP stack, configured as the Connect client is (O(validate_certs),
    O(aws_ca_bundle), the C(proxies), C(proxies_config), C(client_cert) and timeouts of O(aws_config), else
    C(HTTPS_PROXY)/C(HTTP_PROXY) and C(NO_PROXY); C(user:password@) in a proxy URL is sent as Proxy-Authorization).
  - The content is hashed again while it uploads; when it no longer matches the digest taken before the upload
    (O(src) changed meanwhile), the upload is cut off before its last bytes and not completed, and the task fails.
attributes:
  check_mode:
    support: partial
    details:
      - No write call is made. For a case, or with O(file_id), the prediction comes from read-only calls and is exact.
      - For a contact without O(file_id) (an upload, or a recording with O(source_uri)), the module cannot see whether
        the file exists and reports a change, saying why in RV(check_mode_reason).
  diff_mode:
    support: full
    details: The file's metadata before and after.
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.attached_file
  - contactcenter.connect.upload_source
  - contactcenter.connect.file_options
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Attach a PDF to a case
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    src: claim-form.pdf            # the role's files/claim-form.pdf, else the playbook's files/claim-form.pdf
    created_by:
      connect_user_arn: arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111/agent/agent-1
    tags:
      team: claims
  register: attached

- name: Attach a vault-encrypted scan; it is decrypted on the controller and uploaded decrypted
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    src: id-scan.pdf               # encrypted with ansible-vault; run with --vault-password-file

- name: Attach a report the host running the module produced itself
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    src: /var/tmp/reports/claim-summary.pdf
    remote_src: true
  delegate_to: reports.example.com

- name: Prepare an email attachment from text
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111/contact/33333333-3333-4333-8333-333333333333
    content: "Your reference number is 4711."
    file_name: reference.txt

- name: Attach a call recording from S3 to a completed voice contact (Connect copies it)
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111/contact/66666666-6666-4666-8666-666666666666
    source_uri: s3://my-call-recordings/2026/12/01/call-0001.wav

- name: Attach a file to a case, recording who linked it
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0002
    src: photo.jpg
    performed_by:
      custom_entity: claims-intake-pipeline

- name: Remove the photo from the case again, found by its content
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0002
    src: photo.jpg
    state: absent

- name: Check, without writing anything, whether a known file is still there and unchanged
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    src: claim-form.pdf
    file_id: "{{ attached.file.file_id }}"
  check_mode: true

- name: Remove the file again
  contactcenter.connect.connect_attached_file:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    file_id: "{{ attached.file.file_id }}"
    state: absent
"""

RETURN = r"""
client_token:
  description:
    - The client token of the file (given, or derived as described for O(client_token) and O(source_uri)).
    - After a deletion, a derived token's next generation (C(<token>-2), ...) when this run started the file under it,
      or when the host-local lock's note names the file (a re-run on the host that attached it again); a re-run on
      another host, which finds the file on its case without a Start call and without that note, reports the first
      generation's token.
    - A token derived from O(content) or O(content_base64) is masked (C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)), since it
      is computed from the content's SHA-256 and options the reader knows, so it would disclose short content.
  returned: when state=present
  type: str
  sample: ccc1-3f0a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a
checksum_sha256:
  description:
    - Hex SHA-256 of the content.
    - Masked (C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)) for O(content) and O(content_base64), which are C(no_log), because a
      digest of short content is reversed by trying candidates. The same value is masked in RV(file.tags) and the diff.
      Connect still records it in the tag C(contactcenter.connect:sha256) (see docs/security.md).
  returned: when state=present, except with O(source_uri)
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
related_item_id:
  description: The id of the case's File related item for the file.
  returned: >-
    when the file is shown on its case at the end of the task (see O(link_to_case)); in check mode, only when the case
    shows it already (a link that would be created has no id yet, and the key is left out)
  type: str
diff:
  description: The file's metadata before and after (the keys of RV(file)); C({}) for no file.
  returned: in diff mode (C(--diff))
  type: dict
  contains:
    before:
      description: The file as it was, or C({}).
      type: dict
    after:
      description: The file as it is (or, in check mode, would be), or C({}).
      type: dict
check_mode_reason:
  description: Why check mode reports a change it cannot confirm.
  returned: in check mode, when the module cannot tell whether the file exists
  type: str
file:
  description:
    - The attached file. Empty when there is none (state=absent).
    - Every key below is always present. In check mode, for a file that would be uploaded, the keys not known
      before the upload (C(file_id), C(file_arn), C(creation_time)) are V(null), and C(created_by) is V(null)
      when the task sets none.
  returned: always
  type: dict
  contains:
    file_id:
      description: Identifier of the file.
      type: str
      sample: 6a1c6a6e-9d8f-4a1b-b2c3-d4e5f6a7b8c9
    file_arn:
      description: ARN of the file.
      type: str
    file_name:
      description: Name of the file.
      type: str
    file_size_in_bytes:
      description: Size of the file in bytes.
      type: int
    file_status:
      description:
        - Status of the file; APPROVED, REJECTED, PROCESSING, FAILED or DRAFTING, or another status Connect reports.
          Only APPROVED means the file is usable (downloadable, shown on its case).
        - In check mode, the status the file would have.
      type: str
    creation_time:
      description: When the file was created, ISO 8601.
      type: str
    associated_resource_arn:
      description: The resource the file is attached to.
      type: str
    file_use_case_type:
      description: The use case of the file.
      type: str
    created_by:
      description: The creator of the file, with key C(connect_user_arn) or C(aws_identity_arn).
      type: dict
    tags:
      description: Tags of the file, including C(contactcenter.connect:sha256).
      type: dict
    url_content_disposition:
      description:
        - How a browser handles the file's download URL, V(INLINE) or V(ATTACHMENT), where Connect's response gives it.
        - The one key that is not always present. botocore's model (up to 1.44.8) has C(UrlContentDisposition) only as a
          request parameter of C(GetAttachedFile), so today no response carries it.
      type: str
      returned: when Connect's response has it
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import performed_by
from ansible_collections.contactcenter.connect.plugins.module_utils.desired import task_spec
from ansible_collections.contactcenter.connect.plugins.module_utils.engine import Engine
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import warn
from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.options import STATE_CHOICES
from ansible_collections.contactcenter.connect.plugins.module_utils.options import file_options
from ansible_collections.contactcenter.connect.plugins.module_utils.options import upload_task_options
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for
from ansible_collections.contactcenter.connect.plugins.module_utils.source import hash_ahead

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    associated_resource_arn=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=STATE_CHOICES),
    source_uri=dict(type="str"),
    **file_options(),
    **upload_task_options(),
)


def attach(module):
    """Upload, create (source_uri), link or delete through the engine (plan, then apply); returns the result, raises the item's error."""
    params = module.params
    if params["wait_timeout"] < 1:
        raise OptionError(message=f"wait_timeout must be at least 1 second, got {params['wait_timeout']}")
    hash_ahead([params["src"]])  # the content's sha256 while the clients are made
    settings = settings_for(module)
    clients = Clients(module, settings)
    spec = task_spec(module, params, clients.connect.meta.service_model)
    if spec.error is not None:
        raise spec.error
    user = performed_by(params, [spec], lambda: clients.cases.meta.service_model.operation_model("CreateRelatedItem"), single=True)
    outcome = Engine(clients, settings, check_mode=module.check_mode, performed_by=user).run([spec])
    for warning in outcome.warnings:
        warn(module, warning)
    [item] = outcome.items
    if item.error is not None:
        raise item.error
    return item.as_dict(check_mode=module.check_mode, diff=module._diff)  # pylint: disable=protected-access


def main():
    module = AnsibleAWSModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[("src", "content", "content_base64", "source_uri")],
        required_if=[
            ("state", "present", ("src", "content", "content_base64", "source_uri"), True),
            ("state", "absent", ("file_id", "src", "content", "content_base64"), True),
        ],
        required_by={"content": "file_name", "content_base64": "file_name"},
    )
    run_module(module, attach)


if __name__ == "__main__":
    main()
