#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_file_info
short_description: Read the metadata of Amazon Connect attached files
version_added: 0.1.0
description:
  - Reads the metadata of attached files of a Connect case or email contact (C(BatchGetAttachedFileMetadata),
    100 ids a call), and reports the ids the service could not return.
  - Changes nothing and always returns C(changed=false). To download files, use
    M(contactcenter.connect.connect_attached_file_download).
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  file_ids:
    description:
      - Ids of the files to read; any number (read 100 at a time).
      - When omitted for a case ARN, the files shown on the case are read, newest first (its Connect Cases related
        items of type File, which needs the C(cases:SearchRelatedItems) permission).
      - Required for an email contact, because Connect has no call that lists a contact's attached files.
    type: list
    elements: str
notes:
  - Supports check mode (it changes nothing in either mode).
  - Connect calls are retried on C(ThrottlingException) and C(InternalServiceException).
attributes:
  check_mode:
    support: full
    details:
      - The module changes nothing, in check mode or not.
  diff_mode:
    support: none
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.attached_file
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Read two files of a case
  contactcenter.connect.connect_attached_file_info:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    file_ids:
      - 6a1c6a6e-9d8f-4a1b-b2c3-d4e5f6a7b8c9
      - 0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c
  register: case_files

- name: Read every file shown on a case, without knowing their ids
  contactcenter.connect.connect_attached_file_info:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
  register: shown

- name: List the ones not yet approved
  ansible.builtin.debug:
    msg: "{{ shown.files | rejectattr('file_status', 'eq', 'APPROVED') | map(attribute='file_name') }}"
"""

RETURN = r"""
files:
  description:
    - The files the service returned, with the same keys as the C(file) result of M(contactcenter.connect.connect_attached_file)
      (C(url_content_disposition) too, where the service gives it).
    - C(file_status) is Connect's status as it is. Only V(APPROVED) files are usable; V(DRAFTING) (new in botocore 1.43.115)
      or any other status means the file is not usable yet.
  returned: always
  type: list
  elements: dict
  sample:
    - file_id: 6a1c6a6e-9d8f-4a1b-b2c3-d4e5f6a7b8c9
      file_name: claim-form.pdf
      file_status: APPROVED
      file_size_in_bytes: 1234
errors:
  description: The ids the service could not return.
  returned: always
  type: list
  elements: dict
  contains:
    file_id:
      description: The id.
      type: str
    error_code:
      description: The service's error code.
      type: str
    error_message:
      description: The service's message.
      type: str
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import file_result
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import listed_file_ids
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    associated_resource_arn=dict(type="str", required=True),
    file_ids=dict(type="list", elements="str"),
)


def read_files(module):
    """The files' metadata (and what Connect did not return), read with the task's paced clients."""
    target = parse_target(module.params["instance_id"], module.params["associated_resource_arn"])
    clients = Clients(module, settings_for(module))
    ids = listed_file_ids(lambda: clients.cases, target, module.params["file_ids"], hint="to read files without Cases calls, give their file_ids")
    files, errors = batch_get_attached_file_metadata(clients.connect, target.instance_id, target.associated_resource_arn, ids)
    return dict(changed=False, files=[file_result(f) for f in files], errors=[camel_dict_to_snake_dict(e) for e in errors])


def main():
    run_module(AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True), read_files)


if __name__ == "__main__":
    main()
