#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: connect_attached_file_download
short_description: Download approved Amazon Connect attached files into a directory, verified and atomically
version_added: 0.2.0
description:
  - Downloads the APPROVED attached files of a Connect case or email contact into the directory O(dest).
  - Each file streams into a temporary file in O(dest), is checked against its size (reading stops one byte past it)
    and, for files uploaded by M(contactcenter.connect.connect_attached_file), against the SHA-256 it recorded, and
    is then moved into place with ansible-core's C(atomic_move). On any failure (network, checksum, a full disk, a
    name the file system refuses, an O(owner) that cannot be set) no temporary file remains.
  - A local file with the same content is left alone; a different one is replaced. A symbolic link where a file goes
    is never followed, read or taken attributes from; it is replaced by the file, as M(ansible.builtin.copy) and
    M(ansible.builtin.get_url) replace a link at their destination. A directory or other special file there fails
    the task before anything is downloaded.
  - Files that are not APPROVED are reported in RV(skipped_files), not downloaded. The download URLs never appear in
    the result.
  - The endpoint's answers are checked before anything is written. A file id with characters other than letters,
    digits and C(-), a file that was not asked for, or one returned twice fails the task. A pre-signed download URL
    must be C(https://) unless O(endpoint_url) itself is plain C(http://) or a loopback address.
  - Several files download O(concurrency) at a time over one pool of connections; an expired download URL is
    replaced by a fresh one (C(GetAttachedFile)).
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  file_ids:
    description:
      - Ids of the files to download; any number.
      - When omitted for a case ARN, every file shown on the case (its Connect Cases related items of type File, which
        needs the C(cases:SearchRelatedItems) permission); those that are not APPROVED are skipped.
      - Required for an email contact, because Connect has no call that lists a contact's attached files.
      - Ids that Connect does not return (unknown, deleted, or of another resource) fail the task before anything is
        downloaded, naming them, unless O(ignore_missing=true).
    type: list
    elements: str
  ignore_missing:
    description:
      - What to do when Connect does not return some of the O(file_ids) (unknown, deleted, or files of another
        resource).
      - V(false) fails the task before anything is downloaded, naming them, as C(amazon.aws.s3_object) fails to get
        a key that does not exist.
      - V(true) downloads the others; the missing ones are listed in RV(skipped_files) and named in a warning.
      - Without O(file_ids) (every file shown on a case), a file the case links to but Connect does not return is
        always a warning, never a failure.
    type: bool
    default: false
    version_added: 0.2.0
  dest:
    description:
      - The directory to download into. Created, with its missing parents, when it does not exist; the file options
        (O(mode), O(owner), O(group), ...) apply to the folders created too, an octal O(mode) with the search (x)
        permission added wherever it grants read.
      - An existing path that is not a directory fails before anything is downloaded.
      - A file is saved under its file name. Path separators, control and format characters and a leading dot are
        replaced by C(_) (an empty name becomes C(_)), and every path is checked to be in O(dest) itself, so nothing
        is written outside O(dest). A name longer than the file system allows (counted in bytes, as file systems
        count, so a shorter name in a multi-byte script may be too long) is shortened to fit, keeping its extension.
        When several of the files end up with the same name, each of them is saved as C(<stem>.<file id><suffix>)
        instead, for example C(report.6a1c0e2f.pdf); this repeats until every name is unique (a file really named
        C(report.6a1c0e2f.pdf) then gets its own id as well), and a name that still collides becomes
        C(<file id><suffix>). RV(downloads) maps each file to its local path.
    type: path
    required: true
  concurrency:
    description:
      - How many files download at the same time (1 to 32).
    type: int
    default: 4
notes:
  - The file options (O(mode), O(owner), O(group), ...) apply to each file written and to a local copy left alone;
    they are given to the temporary file before it is moved into place. Without O(mode), a new file gets the default
    permissions (0666 minus the umask) and a replaced regular file keeps those of the file it replaces (a replaced
    symbolic link passes on nothing). Attachments often hold personal data; consider O(mode=0600).
  - An O(owner) or O(group) that does not exist on the host fails the task before anything is downloaded.
  - Downloads go through botocore's own HTTP stack, configured as the Connect client is (O(validate_certs),
    O(aws_ca_bundle), the C(proxies), C(proxies_config) and C(client_cert) of O(aws_config), else
    C(HTTPS_PROXY)/C(HTTP_PROXY) and C(NO_PROXY)); they are retried on connection and server errors.
attributes:
  check_mode:
    support: full
    details:
      - Nothing is written; RV(downloads) and C(changed) say exactly what would be. A local copy of a file without a
        recorded SHA-256 can only be compared by its content, so check mode downloads that file, hashing it without
        writing it.
  diff_mode:
    support: full
    details: The files that are (or would be) written, before and after.
  platform:
    platforms: posix
  safe_file_operations:
    description: Uses Ansible's strict file operation functions to ensure proper permissions and avoid data corruption.
    support: full
    details:
      - Each file is written to a temporary file in O(dest), given its attributes, then moved into place with Ansible's
        C(atomic_move) (a rename in the same directory); the attributes of whatever was at the destination are not
        copied by C(atomic_move), so a symbolic link's target never lends its owner or mode.
  vault:
    description: Can automatically decrypt Ansible vaulted files.
    support: none
extends_documentation_fragment:
  - contactcenter.connect.common
  - contactcenter.connect.attached_file
  - ansible.builtin.files
  - contactcenter.connect.aws
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
"""

EXAMPLES = r"""
- name: Archive every approved attachment of a case
  contactcenter.connect.connect_attached_file_download:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222/case/case-0001
    dest: /srv/archive/case-0001
    mode: "0600"
  register: archived

- name: Show where each file went
  ansible.builtin.debug:
    msg: "{{ archived.downloads | items2dict(key_name='file_id', value_name='path') }}"

- name: Download two files of an email contact, eight at a time when there are more
  contactcenter.connect.connect_attached_file_download:
    instance_id: 11111111-1111-4111-8111-111111111111
    associated_resource_arn: arn:aws:connect:us-east-1:123456789012:instance/11111111-1111-4111-8111-111111111111/contact/33333333-3333-4333-8333-333333333333
    file_ids:
      - 6a1c6a6e-9d8f-4a1b-b2c3-d4e5f6a7b8c9
      - 0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c
    dest: /srv/archive/contact-3333
    concurrency: 8
"""

RETURN = r"""
downloads:
  description: One entry per APPROVED file, in the order of O(file_ids) (or of the case's related items, newest first).
  returned: always
  type: list
  elements: dict
  contains:
    file_id:
      description: The id of the file.
      type: str
    file_name:
      description: The file's name in Connect.
      type: str
    path:
      description: The local path of the file (see O(dest) for how names are made).
      type: str
    changed:
      description: Whether the file (or its attributes) was, or in check mode would be, written.
      type: bool
    checksum_sha256:
      description:
        - Hex SHA-256 of the local copy (a digest of the file's content, as M(ansible.builtin.get_url) returns one).
        - In check mode, for a file that would be written, the SHA-256 Connect recorded, or null when none was.
      type: str
    size:
      description: Size of the local copy in bytes.
      type: int
skipped_files:
  description:
    - The files not downloaded, with the reason (a file that is not APPROVED, an id Connect did not return with
      O(ignore_missing=true) or from the case's list).
  returned: always
  type: list
  elements: dict
  contains:
    file_id:
      description: The id of the file.
      type: str
    file_name:
      description: The file's name in Connect; null when Connect did not return the file.
      type: str
    file_status:
      description: The file's status; null when Connect did not return the file.
      type: str
    reason:
      description: Why the file was not downloaded.
      type: str
dest:
  description: The directory the files are in.
  returned: always
  type: str
"""

import grp
import pwd

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.contactcenter.connect.plugins.module_utils import download
from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options
from ansible_collections.contactcenter.connect.plugins.module_utils.clients import Clients
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import batch_get_attached_file_metadata
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import run_module
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import parse_target
from ansible_collections.contactcenter.connect.plugins.module_utils.lookup import listed_file_ids
from ansible_collections.contactcenter.connect.plugins.module_utils.messages import warn
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import settings_for

ARGUMENT_SPEC = dict(
    aws_options(),  # amazon.aws's connection options, with the aliases documented (options.aws_options)
    instance_id=dict(type="str", required=True),
    associated_resource_arn=dict(type="str", required=True),
    file_ids=dict(type="list", elements="str"),
    dest=dict(type="path", required=True),
    concurrency=dict(type="int", default=4),
    ignore_missing=dict(type="bool", default=False),
)
MAX_CONCURRENCY = 32


def not_returned(ids, files, errors):
    """skipped_files entries for the ids Connect did not return, with its error when it gave one."""
    returned = {f.get("FileId") for f in files}
    reasons = {e.get("FileId"): f"{e.get('ErrorCode')} {e.get('ErrorMessage') or ''}".strip() for e in errors}
    return [
        dict(file_id=file_id, file_name=None, file_status=None,
             reason=f"Connect did not return it: {reasons.get(file_id) or 'no file and no error for this id'}")
        for file_id in ids if file_id not in returned
    ]


def missing_message(missing):
    shown = ", ".join(f"{m['file_id']} ({m['reason'].split(': ', 1)[1]})" for m in missing[:10])
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    return f"{len(missing)} of the requested files do not exist for associated_resource_arn: {shown}{more}"


def check_owners(params):
    """Refuse an owner or group that does not exist on this host, before anything is downloaded."""
    for option, lookup in (("owner", pwd.getpwnam), ("group", grp.getgrnam)):
        value = params.get(option)
        if value is None or str(value).isdigit():
            continue
        try:
            lookup(value)
        except KeyError:
            raise OptionError(message=f"{option} {value!r} does not exist on this host: nothing was downloaded") from None


def download_files(module):
    """Download the task's files into dest; the result (failed, naming each file that failed, when any did)."""
    p = module.params
    if not 1 <= p["concurrency"] <= MAX_CONCURRENCY:
        raise OptionError(message=f"concurrency must be between 1 and {MAX_CONCURRENCY}, got {p['concurrency']}")
    check_owners(p)
    target = parse_target(p["instance_id"], p["associated_resource_arn"])
    clients = Clients(module, settings_for(module))
    client = clients.connect
    ids = listed_file_ids(lambda: clients.cases, target, p["file_ids"], hint="to download files without Cases calls, give their file_ids")
    files, errors = batch_get_attached_file_metadata(client, target.instance_id, target.associated_resource_arn, ids) if ids else ([], [])
    download.check_answer(ids, files)
    missing = not_returned(ids, files, errors)
    if missing and p["file_ids"] is not None and not p["ignore_missing"]:
        raise OptionError(message=f"{missing_message(missing)}; nothing was downloaded (set ignore_missing: true to download the others)")
    if missing:
        warn(module, f"{missing_message(missing)}: not downloaded, listed in skipped_files")
    created = download.prepare_dest(module, p["dest"])
    planned, skipped = download.plan(files, p["dest"])
    entries, failures = download.apply(module, client, target, planned, clients.transfer, p["concurrency"])
    result = dict(changed=created or any(e["changed"] for e in entries), downloads=entries, skipped_files=skipped + missing, dest=p["dest"])
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = download.diff_of(planned, entries)
    if failures:
        result.update(failed=True, msg="; ".join(failures))
    return result


def main():
    run_module(AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, add_file_common_args=True), download_files)


if __name__ == "__main__":
    main()
