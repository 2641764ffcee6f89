#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_files_configuration_info
short_description: Read the attached-files limits of an Amazon Connect instance
version_added: 0.2.0
description:
  - Reads the maximum file size and the allowed file extensions of every attachment scope of a Connect instance
    (C(ListAttachedFilesConfigurations), all pages), or of one scope (C(DescribeAttachedFilesConfiguration)).
  - Connect reports the effective values, its defaults for a scope nobody changed.
  - Read-only; never changes anything.
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
      - Read only this scope. Values come from the installed botocore model (C(AttachmentScope)), at present
        V(CASE), V(EMAIL), V(CHAT) and V(TASK).
      - When omitted, every scope is read.
    type: str
notes:
  - Needs C(connect:ListAttachedFilesConfigurations), or C(connect:DescribeAttachedFilesConfiguration) with O(attachment_scope).
seealso:
  - module: contactcenter.connect.connect_attached_files_configuration
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Read every scope's limits
  contactcenter.connect.connect_attached_files_configuration_info:
    instance_id: 11111111-1111-4111-8111-111111111111
  register: limits

- name: Show the case limit
  ansible.builtin.debug:
    msg: "{{ (limits.configurations | selectattr('attachment_scope', 'equalto', 'CASE') | first).maximum_size_limit_in_bytes }}"

- name: Read one scope
  contactcenter.connect.connect_attached_files_configuration_info:
    instance_id: 11111111-1111-4111-8111-111111111111
    attachment_scope: TASK
"""

RETURN = r"""
configurations:
  description: One entry per scope read, in the service's order.
  returned: always
  type: list
  elements: dict
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
      sample: 20971520
    allowed_extensions:
      description: The extensions Connect accepts in the scope.
      type: list
      elements: str
    last_modified_time:
      description: When the scope was last changed, ISO 8601 (C(DescribeAttachedFilesConfiguration) only; the list call does not report it).
      type: str
      returned: with O(attachment_scope), when Connect reports it
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.configuration import current_configurations
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    attachment_scope=dict(type="str"),
)


def read_configurations(module):
    """Every scope's configuration, or the one named; the result."""
    client = Clients(module, settings_for(module)).connect
    return dict(changed=False, configurations=current_configurations(client, module.params["instance_id"], module.params["attachment_scope"]))


def main():
    run_module(AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True), read_configurations)


if __name__ == "__main__":
    main()
