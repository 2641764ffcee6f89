# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options both uploading modules take at the top level, as plugins/module_utils/options.py defines them.
    DOCUMENTATION = r"""
options:
  created_by:
    description:
      - The identity recorded as the creator of the file (in M(contactcenter.connect.connect_attached_files), of each item
        that sets no C(files[].created_by)). Exactly one of its keys.
      - Set when the file is created; Connect cannot change it later.
      - Left out, an existing file's creator is accepted as it is; given, it is compared with the file's.
    type: dict
    suboptions:
      connect_user_arn:
        description: ARN of a Connect user.
        type: str
      aws_identity_arn:
        description: ARN of an IAM identity.
        type: str
  performed_by:
    description:
      - Who is recorded as creating the case's File related items (see O(link_to_case)). Exactly one of its keys.
      - Only where a related item is created. With a contact ARN or O(link_to_case=false) (in
        M(contactcenter.connect.connect_attached_files), when no item is linked to a case) the task fails before any call.
    type: dict
    suboptions:
      user_arn:
        description: ARN of a Connect user.
        type: str
      custom_entity:
        description: Any other identity, as a string.
        type: str
"""
