# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What every module of the collection shares: the SDK it needs, where it runs, and its action group.
    # A module that differs states its own value (ansible-doc keeps the module's over the fragment's).
    DOCUMENTATION = r"""
attributes:
  platform:
    platforms: all
  action_group:
    membership:
      - contactcenter.connect.connect
requirements:
  - boto3 >= 1.42.96
  - botocore >= 1.42.96
"""
