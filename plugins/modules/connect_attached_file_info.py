#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_file_info
short_description: Read Amazon Connect attached files, and download approved ones verified
version_added: 0.1.0
description:
  - Reads the metadata of attached files of a Connect case or email contact (C(BatchGetAttachedFileMetadata),
    100 ids a call), and reports the ids the service could not return.
  - With O(dest), downloads each APPROVED file into that directory, streaming into a temporary file there
    and moving it into place atomically. The download is checked against the file's size and, for files
    uploaded by M(contactcenter.connect.connect_attached_file), against the SHA-256 it recorded.
  - A local copy with the same size and SHA-256 is left alone; C(changed) is true only when a file was written.
  - Files that are not APPROVED are reported, not downloaded. The download URLs never appear in the result.
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
  dest:
    description:
      - An existing directory to download the APPROVED files into.
      - A file is saved under its file name. When several of the requested files share a name, each of them is
        saved as C(<stem>.<file id><suffix>) instead, for example C(report.6a1c0e2f.pdf).
      - Path separators in names, and a leading dot, are replaced by C(_), so nothing is written outside O(dest).
    type: path
notes:
  - Downloads go through the same HTTP proxy as botocore's calls, the C(proxies) of O(aws_config), else
    C(HTTPS_PROXY)/C(HTTP_PROXY) and C(NO_PROXY), and honour O(validate_certs) and O(aws_ca_bundle).
  - Supports check mode; in check mode nothing is downloaded and RV(downloads) says what would be written.
    For files not uploaded by this collection (no recorded SHA-256) an existing local copy cannot be compared
    without downloading, so check mode reports it as a change.
  - Connect calls are retried on C(ThrottlingException) and C(InternalServiceException); downloads are retried
    on connection and server errors, and an expired download URL is replaced by a fresh one.
extends_documentation_fragment:
  - contactcenter.connect.attached_file
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
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

- name: Download the approved ones for the archive
  contactcenter.connect.connect_attached_file_info:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    file_ids: "{{ case_files.files | map(attribute='file_id') }}"
    dest: /srv/archive/case-0001

- name: Download every file shown on a case, without knowing their ids
  contactcenter.connect.connect_attached_file_info:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    dest: /srv/archive/case-0001
"""

RETURN = r"""
files:
  description: The files the service returned, with the same keys as the C(file) result of M(contactcenter.connect.connect_attached_file).
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
downloads:
  description: One entry per file the service returned.
  returned: when dest is set
  type: list
  elements: dict
  contains:
    file_id:
      description: The id of the file.
      type: str
    file_status:
      description: The status of the file.
      type: str
    downloaded:
      description: Whether the file is (or, in check mode, would be) present in O(dest); false for files that are not APPROVED.
      type: bool
    path:
      description: The local path of the file.
      type: str
      returned: for APPROVED files
    size:
      description: Size of the local copy in bytes.
      type: int
      returned: for APPROVED files
    sha256:
      description: Hex SHA-256 of the local copy (in check mode, the recorded SHA-256 if known).
      type: str
      returned: for APPROVED files
    changed:
      description: Whether this file was (or, in check mode, would be) written.
      type: bool
      returned: for APPROVED files
"""

import os

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils.attached_file import APPROVED
from ansible_collections.contactcenter.connect.plugins.module_utils.case_files import case_links
from ansible_collections.contactcenter.connect.plugins.module_utils.cases_api import cases_client
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import connect_client
from ansible_collections.contactcenter.connect.plugins.module_utils.download import fetch
from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_digest
from ansible_collections.contactcenter.connect.plugins.module_utils.download import local_names
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import fail_with
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import file_result
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import TransferSession

ARGUMENT_SPEC = dict(
    instance_id=dict(type="str", required=True),
    associated_resource_arn=dict(type="str", required=True),
    file_ids=dict(type="list", elements="str"),
    dest=dict(type="path"),
)


def ensure_downloaded(module, client, target, metadata, path):
    """Make path hold the file; returns the download entry (changed: whether it was, or would be, written)."""
    entry = dict(file_id=metadata["FileId"], file_status=metadata["FileStatus"], downloaded=True, path=path)
    local = local_digest(path)
    recorded = (metadata.get("Tags") or {}).get(DIGEST_TAG)
    if local and local == (metadata["FileSizeInBytes"], recorded):
        return dict(entry, size=local[0], sha256=local[1], changed=False)
    if module.check_mode:
        return dict(entry, size=metadata["FileSizeInBytes"], sha256=recorded, changed=True)
    temp_path, size, digest = fetch(client, target, metadata, os.path.dirname(path), TransferSession.for_module(module, client))
    if local == (size, digest):
        os.unlink(temp_path)
        return dict(entry, size=size, sha256=digest, changed=False)
    module.atomic_move(temp_path, path)
    return dict(entry, size=size, sha256=digest, changed=True)


def download_all(module, client, target, files, dest):
    if not os.path.isdir(dest):
        raise OptionError(message=f"dest {dest} is not an existing directory")
    names = local_names(files)
    downloads = []
    for metadata in files:
        if metadata["FileStatus"] != APPROVED:
            downloads.append(dict(file_id=metadata["FileId"], file_status=metadata["FileStatus"], downloaded=False))
        else:
            downloads.append(ensure_downloaded(module, client, target, metadata, os.path.join(dest, names[metadata["FileId"]])))
    return downloads


def file_ids(module, target):
    """The ids to read: file_ids, or those of the files shown on the case (newest first)."""
    if module.params["file_ids"] is not None:
        return module.params["file_ids"]
    if target.attachment_scope != "CASE":
        raise OptionError(message="file_ids is required for an email contact: Connect has no call that lists a contact's attached files")
    links = case_links(cases_client(module), target, hint="to read files without Cases calls, give their file_ids")
    return [arn.rsplit("/", 1)[-1] for arn in links]


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        target = parse_target(module.params["instance_id"], module.params["associated_resource_arn"])
        client = connect_client(module)
        files, errors = batch_get_attached_file_metadata(client, target.instance_id, target.associated_resource_arn, file_ids(module, target))
        result = dict(changed=False, files=[file_result(f) for f in files], errors=[camel_dict_to_snake_dict(e) for e in errors])
        if module.params["dest"]:
            result["downloads"] = download_all(module, client, target, files, module.params["dest"])
            result["changed"] = any(d.get("changed") for d in result["downloads"])
    except AttachedFileError as e:
        fail_with(module, e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
