"""Time ansible-core building a module's AnsiballZ payload on the controller (``module_common.modify_module``), as
ansible-playbook does once per module per run: prints JSON {"seconds": CPU seconds, "files": Python files compiled,
"bytes": their source size, "payload": payload size}. Run in a fresh interpreter per measurement (ansible-core caches
a payload it built in the process); ANSIBLE_COLLECTIONS_PATH names the collections.

    python tools/bench/ansiballz_build.py contactcenter.connect.connect_attached_file
"""

import json
import os
import sys
import time

from ansible.executor import module_common
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.plugins.loader import module_loader
from ansible.template import Templar


def main():
    init_plugin_loader(os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep))
    context = module_loader.find_plugin_with_context(sys.argv[1])
    compiled = []
    compile_ast = module_common._compile_module_ast  # pylint: disable=protected-access

    def counting(path, source):
        compiled.append(len(source))
        return compile_ast(path, source)

    module_common._compile_module_ast = counting  # pylint: disable=protected-access
    begun = time.process_time()
    built = module_common.modify_module(
        module_name=context.resolved_fqcn, module_path=context.plugin_resolved_path, module_args={}, templar=Templar(loader=DataLoader()),
        task_vars={"ansible_python_interpreter": sys.executable}, module_compression="ZIP_DEFLATED")
    seconds = time.process_time() - begun
    print(json.dumps({"seconds": seconds, "files": len(compiled), "bytes": sum(compiled), "payload": len(built.b_module_data)}))


if __name__ == "__main__":
    main()
