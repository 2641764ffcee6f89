# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn task options into request values; raise OptionError with a message naming the option."""

import base64
import os
import string

from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import OptionError
from ansible_collections.contactcenter.connect.plugins.module_utils.identity import DIGEST_TAG
from ansible_collections.contactcenter.connect.plugins.module_utils.transfer import Source


def open_source(src=None, content=None, content_base64=None):
    """The content to upload, from exactly one of src, content, content_base64."""
    if src is not None:
        if not os.path.exists(src):
            raise OptionError(message=f"src {src} does not exist")
        if os.path.isdir(src):
            raise OptionError(message=f"src {src} is a directory; give the path of a file")
        if not os.access(src, os.R_OK):
            raise OptionError(message=f"src {src} is not readable")
        source, option = Source(path=src), "src"
    elif content is not None:
        source, option = Source(data=to_bytes(content, errors="surrogate_or_strict")), "content"
    else:
        # Line-wrapped base64 (base64(1), openssl, b64encode filters, YAML folding) is base64 all the same.
        compact = content_base64.translate({ord(c): None for c in string.whitespace})
        try:
            data = base64.b64decode(compact, validate=True)
        except ValueError as e:  # binascii.Error (a ValueError), or characters outside ASCII
            raise OptionError(message=f"content_base64 is not valid base64: {e}") from None
        source, option = Source(data=data), "content_base64"
    if source.size == 0:
        raise OptionError(message=f"{option} is empty: Connect stores files of at least 1 byte")
    return source


def default_file_name(file_name, src):
    """file_name, or the basename of src; a name with ``/`` is refused."""
    if file_name is not None:
        if "/" in file_name:
            raise OptionError(
                message=f"file_name {file_name!r} contains '/': Connect would store that name, but no download can keep it "
                "(connect_attached_file_download would save it as " + repr(file_name.replace("/", "_")) + "); give a name without '/'"
            )
        return file_name
    if src is None:
        raise OptionError(message="file_name is required with content or content_base64")
    return os.path.basename(src)


def request_tags(tags, content_sha256, max_entries):
    """The Tags to send: the task's tags plus the reserved content-digest tag (max_entries: the model's limit)."""
    tags = {str(k): str(v) for k, v in (tags or {}).items()}
    if DIGEST_TAG in tags:
        raise OptionError(message=f"tags may not set {DIGEST_TAG}: the module records the content's sha256 under that key")
    if len(tags) >= max_entries:
        raise OptionError(
            message=f"tags has {len(tags)} entries; Connect allows {max_entries} per file and the module uses one ({DIGEST_TAG}), "
            f"so at most {max_entries - 1}"
        )
    tags[DIGEST_TAG] = content_sha256
    return tags


def _union(value, members):
    """A model union structure from an option dict whose keys map to its members (unset keys dropped)."""
    return {members[k]: v for k, v in (value or {}).items() if v} or None


def created_by_info(created_by):
    """Connect's CreatedByInfo from the created_by option."""
    return _union(created_by, {"connect_user_arn": "ConnectUserArn", "aws_identity_arn": "AWSIdentityArn"})


def performed_by_info(performed_by):
    """Connect Cases' UserUnion from the performed_by option."""
    return _union(performed_by, {"user_arn": "userArn", "custom_entity": "customEntity"})


def refuse_unused_performed_by(performed_by, link_to_case, attachment_scope):
    """performed_by names who creates the case's related item: refuse it where no related item is created."""
    if not performed_by:
        return
    if attachment_scope != "CASE":
        raise OptionError(
            message="performed_by applies only to a case: associated_resource_arn is a contact, which has no related items"
        )
    if link_to_case is False:
        raise OptionError(message="performed_by has no effect with link_to_case=false: no related item is created")
