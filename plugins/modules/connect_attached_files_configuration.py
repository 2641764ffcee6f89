#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_files_configuration
short_description: Set the attached-files limits of one attachment scope of an Amazon Connect instance
version_added: 0.2.0
description:
  - Makes the maximum file size and the allowed file extensions of one attachment scope (CASE, EMAIL, CHAT or TASK)
    of a Connect instance what the task says (C(DescribeAttachedFilesConfiguration), then
    C(UpdateAttachedFilesConfiguration) with only the settings that differ).
  - When the scope already is so, the task is C(ok) and nothing is written.
  - Settings the task leaves out stay as they are.
  - The API can only set values. It cannot return a scope to the service's defaults (20 MB and
    csv doc docx heic jfif jpeg jpg mov mp4 pdf png ppt pptx rtf txt wav xls xlsx); set those values to go back.
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  instance_id:
    description:
      - The identifier of the Amazon Connect instance (1 to 100 characters), or its ARN
        (C(arn:aws:connect:<region>:<account>:instance/<instance id>)), which is reduced to the id.
    type: str
    required: true
  attachment_scope:
    description:
      - The attachment scope to configure. Values come from the installed botocore model (C(AttachmentScope)),
        at present V(CASE), V(EMAIL), V(CHAT) and V(TASK).
      - Files on a Connect Cases case use V(CASE); files on an email contact V(EMAIL), on a task contact V(TASK).
    type: str
    required: true
  maximum_size_limit_in_bytes:
    description:
      - The largest file Connect accepts in this scope, 1 to 104857600 bytes (100 MB), as the model allows.
      - An integer number of bytes, or a size with a unit read by Ansible's C(human_to_bytes), such as V(50MB)
        or V(512KB); units are binary (1 MB is 1048576 bytes).
      - For V(EMAIL) at most 20971520 (20 MB). The AWS feature limits say an email attachment can be at most
        20 MB and that this limit can be lowered, not raised; the model does not say so. A larger value fails
        before any call.
      - When omitted, the size limit is left as it is.
    type: raw
  allowed_extensions:
    description:
      - The file extensions Connect accepts in this scope, without the leading dot (1 to 10 letters, digits,
        C(-) or C(_) each, as the model allows).
      - Exactly these. Compared with the current ones as a set, ignoring case and order; duplicates are dropped.
      - When omitted, the allowed extensions are left as they are.
      - An empty list makes Connect refuse every file in the scope. It fails, naming this option, unless
        O(allow_no_extensions=true) says that is what the task means.
    type: list
    elements: str
  allow_no_extensions:
    description:
      - Set to V(true) to let O(allowed_extensions=[]) through, so that Connect refuses every file in the scope.
      - Without it an empty O(allowed_extensions) fails before any call (an empty list is more often a variable
        that was not filled in than a decision to refuse every file).
    type: bool
    default: false
notes:
  - Needs C(connect:DescribeAttachedFilesConfiguration), and C(connect:UpdateAttachedFilesConfiguration) to change anything.
  - Connect calls are retried on C(ThrottlingException) and C(InternalServiceException) with jittered backoff.
seealso:
  - module: contactcenter.connect.connect_attached_files_configuration_info
  - module: contactcenter.connect.connect_attached_file
attributes:
  check_mode:
    support: full
    details: No C(UpdateAttachedFilesConfiguration) call; RV(configuration) shows the result the task would have.
  diff_mode:
    support: full
    details: The scope's settings before and after (without C(last_modified_time)); the result has a C(diff) only in diff mode.
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Let agents attach PDFs and PNGs of up to 50 MB to cases
  contactcenter.connect.connect_attached_files_configuration:
    instance_id: 11111111-1111-4111-8111-111111111111
    attachment_scope: CASE
    maximum_size_limit_in_bytes: 50MB
    allowed_extensions: [pdf, png]

- name: Keep email attachments below 10 MB, extensions unchanged
  contactcenter.connect.connect_attached_files_configuration:
    instance_id: 11111111-1111-4111-8111-111111111111
    attachment_scope: EMAIL
    maximum_size_limit_in_bytes: 10485760

- name: Every scope of the instance from one variable
  contactcenter.connect.connect_attached_files_configuration:
    instance_id: 11111111-1111-4111-8111-111111111111
    attachment_scope: "{{ item.scope }}"
    maximum_size_limit_in_bytes: "{{ item.size }}"
    allowed_extensions: "{{ item.extensions }}"
  loop:
    - {scope: CASE, size: 50MB, extensions: [pdf, png, jpg]}
    - {scope: TASK, size: 20MB, extensions: [pdf, txt]}

- name: No attachments at all on chats (every file refused), said explicitly
  contactcenter.connect.connect_attached_files_configuration:
    instance_id: arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111
    attachment_scope: CHAT
    allowed_extensions: []
    allow_no_extensions: true
"""

RETURN = r"""
configuration:
  description: The scope's configuration after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    instance_id:
      description: The instance.
      type: str
    attachment_scope:
      description: The attachment scope.
      type: str
      sample: CASE
    maximum_size_limit_in_bytes:
      description: The largest file Connect accepts in the scope, in bytes.
      type: int
      sample: 52428800
    allowed_extensions:
      description: The extensions Connect accepts in the scope, as Connect returns them.
      type: list
      elements: str
      sample: [pdf, png]
    last_modified_time:
      description: When the scope's configuration was last changed, ISO 8601; absent when Connect reports none (defaults).
      type: str
      returned: when Connect reports it
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.configuration import desired_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.configuration import ensure_configuration
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    attachment_scope=dict(type="str", required=True),
    maximum_size_limit_in_bytes=dict(type="raw"),
    allowed_extensions=dict(type="list", elements="str"),
    allow_no_extensions=dict(type="bool", default=False),
)


def configure(module):
    """Make the scope's configuration what the task says; the result."""
    p = module.params
    client = Clients(module, settings_for(module)).connect
    spec = desired_configuration(client, p["instance_id"], p["attachment_scope"], p["maximum_size_limit_in_bytes"], p["allowed_extensions"],
                                 p["allow_no_extensions"])
    changed, configuration, diff = ensure_configuration(client, spec, module.check_mode)
    result = dict(changed=changed, configuration=configuration)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff
    return result


def main():
    run_module(AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True), configure)


if __name__ == "__main__":
    main()
