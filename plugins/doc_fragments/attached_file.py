# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options that name the Connect instance and the resource files are attached to.
    DOCUMENTATION = r"""
options:
  instance_id:
    description:
      - The identifier of the Amazon Connect instance, or its ARN
        C(arn:aws:connect:<region>:<account>:instance/<instance id>).
      - An ARN is reduced to the id before anything else, so both forms name the same files (and the same
        derived client token). Its partition, region and account must be those of O(associated_resource_arn).
    type: str
    required: true
  associated_resource_arn:
    description:
      - The resource the files are attached to.
      - A Connect Cases case ARN, C(arn:aws:cases:<region>:<account>:domain/<domain id>/case/<case id>),
        or a contact ARN of the same instance (an email or task contact for uploads, a completed voice contact for a
        recording from C(source_uri)), C(arn:aws:connect:<region>:<account>:instance/<instance id>/contact/<contact id>).
      - Any other value fails before a call is made.
    type: str
    required: true
"""
