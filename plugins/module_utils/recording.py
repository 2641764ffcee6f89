# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The step of one voice recording attached from S3: CreateAttachedFile (Connect copies the object itself).

The request is built and checked in desired.py (a spec of kind ``recording``); the engine plans it, creates it
here, and waits for it as for an upload.
"""

from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import create_attached_file
from ansible_collections.contactcenter.connect.plugins.module_utils.connect_api import error_code
from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError


def create(client, request):
    """CreateAttachedFile, with a clear message when the token belongs to a different file."""
    try:
        return create_attached_file(client, **request)
    except AttachedFileError as e:
        if error_code(e) == "ResourceConflictException":
            raise AttachedFileError(
                message=(
                    f"client token {request['ClientToken']} already belongs to a file with other parameters (source_uri, tags; "
                    "Connect cannot change an attached file): delete that file, or set a new client_token"
                ),
                exception=e.exception,
            ) from e
        raise
