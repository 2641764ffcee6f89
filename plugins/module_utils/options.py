# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The argument specs modules share: one definition of each option, so that ``no_log``, choices and sub-options
cannot drift between the single-file module, the bulk module's items and the task-wide defaults.

Their documentation is the doc fragment ``contactcenter.connect.file_options`` (top-level options); the bulk
module's ``files`` entries document the same options as sub-options.
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

# Attachments often hold personal data: their text and base64 are never logged (ansible.builtin.copy's content is not either).
CONTENT = dict(type="str", no_log=True)
CONTENT_BASE64 = dict(type="str", no_log=True)
# The idempotency token names a file; it is no secret (and "token" in its name would make ansible-core mask it).
CLIENT_TOKEN = dict(type="str", no_log=False)
CREATED_BY = dict(
    type="dict",
    options=dict(connect_user_arn=dict(type="str"), aws_identity_arn=dict(type="str")),
    mutually_exclusive=[("connect_user_arn", "aws_identity_arn")],
    required_one_of=[("connect_user_arn", "aws_identity_arn")],
)
PERFORMED_BY = dict(
    type="dict",
    options=dict(user_arn=dict(type="str"), custom_entity=dict(type="str")),
    mutually_exclusive=[("user_arn", "custom_entity")],
    required_one_of=[("user_arn", "custom_entity")],
)
STATE_CHOICES = ["present", "absent"]
# amazon.aws 7.x still accepts these aliases of its connection options, deprecated for removal on 2024-12-01 and gone
# from 8.0.0 on. The modules document the connection options of amazon.aws 8.0.0 and later (doc_fragments/aws.py) and
# take them as documented whatever amazon.aws is installed.
REMOVED_AWS_ALIASES = frozenset(("ec2_access_key", "ec2_secret_key", "security_token", "access_token", "aws_security_token",
                                 "ec2_url", "s3_url", "ec2_region"))


def aws_options():
    """amazon.aws's connection options whose aliases include REMOVED_AWS_ALIASES, without them (nothing with amazon.aws
    8.0.0 and later): a module's argument spec adds these, and AnsibleAWSModule's own definitions of the others stand."""
    spec = {}
    for name, option in aws_argument_spec().items():
        aliases = [alias for alias in option.get("aliases", []) if alias not in REMOVED_AWS_ALIASES]
        if aliases == option.get("aliases", []):
            continue
        option = dict(option, aliases=aliases)
        deprecated = [alias for alias in option.pop("deprecated_aliases", []) if alias["name"] not in REMOVED_AWS_ALIASES]
        if deprecated:
            option["deprecated_aliases"] = deprecated
        spec[name] = option
    return spec


def file_options():
    """The options that describe one file, as the single-file module takes them and as each entry of ``files`` does."""
    return copy.deepcopy(dict(
        src=dict(type="path"),
        content=CONTENT,
        content_base64=CONTENT_BASE64,
        file_name=dict(type="str"),
        client_token=CLIENT_TOKEN,
        tags=dict(type="dict"),
        created_by=CREATED_BY,
        file_use_case_type=dict(type="str"),
        file_id=dict(type="str"),
    ))


def upload_task_options():
    """Options of every uploading module's task: where src is read from (the action plugin), the wait, link_to_case, performed_by."""
    return copy.deepcopy(dict(
        remote_src=dict(type="bool", default=False),  # the action plugin reads these two; src is then on this host
        decrypt=dict(type="bool", default=True),
        link_to_case=dict(type="bool"),
        performed_by=PERFORMED_BY,
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
        url_expiry_in_seconds=dict(type="int"),
    ))
