# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""connect_attached_files: each files[].src found on the controller and put where the module reads it (see plugin_utils/upload_action.py)."""

from ansible_collections.contactcenter.connect.plugins.plugin_utils.upload_action import UploadAction


class ActionModule(UploadAction):
    """The src of each entry of files; the task's remote_src and decrypt apply to every entry."""

    def sources(self, args):
        files = args.get("files")
        return [(f"files[{n}].", item) for n, item in enumerate(files if isinstance(files, list) else []) if isinstance(item, dict)]
