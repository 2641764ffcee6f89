# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Where src is read from: the options of the uploading modules' shared action plugin (plugin_utils/upload_action.py).
    DOCUMENTATION = r"""
options:
  remote_src:
    description:
      - Where C(src) is, with the meaning C(remote_src) has for M(ansible.builtin.copy).
      - V(false) (the default), C(src) is on the controller. C(~) is expanded, and a relative path is looked up in the
        task's search path as M(ansible.builtin.copy) looks up its C(src), the role's C(files/) first, then the
        playbook's C(files/) and folder; a file that is not found fails, naming the places searched. When the module
        runs on another host than the controller (C(delegate_to), C(ssh)), the file is first copied to the host's
        temporary folder and removed after the task, whatever its outcome; on a local connection the module reads it
        where it is.
      - V(true), C(src) is a path on the host that runs the module, used as given (C(~) is expanded there). Nothing is
        looked up or copied, and a vault-encrypted file is uploaded as it is.
    type: bool
    default: false
    version_added: 0.2.0
  decrypt:
    description:
      - With O(remote_src=false), a vault-encrypted C(src) is decrypted on the controller, as
        M(ansible.builtin.copy) does; the content digest, the client token and the upload are of the decrypted
        bytes. They are written only to a temporary file readable by the controller's user, which the module
        reads (on a local connection) or which is copied to the host's temporary folder and removed at once;
        the module's copy is removed after the task, whatever its outcome.
      - V(false) uploads the file's bytes as they are on disk.
      - Needs a vault password (C(--vault-password-file), C(--ask-vault-pass)) when the file is encrypted.
    type: bool
    default: true
    version_added: 0.2.0
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: The action plugin finds C(src) on the controller and, when the module runs on another host, copies it there.
  async:
    description: Supports being used with the C(async) keyword.
    support: full
  vault:
    description: Can automatically decrypt Ansible vaulted files.
    support: full
    details: A vault-encrypted C(src) on the controller is uploaded decrypted (see O(decrypt)).
"""
