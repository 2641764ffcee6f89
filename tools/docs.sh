#!/usr/bin/env bash
# Documentation checks and the HTML docs site (make docs), with the community's own tools:
#
#   0. docs/docsite/rst/*.rst and extra-docs.yml are the guides of docs/*.md (tools/docsite_guides.py --check).
#   1. antsibull-docs lint-collection-docs --plugin-docs on the working tree: every module, doc
#      fragment and plugin there (whatever exists), its schema, semantic markup and references; the
#      extra docs (docs/docsite/extra-docs.yml, rst/) and docs/docsite/links.yml.
#   2. antsibull-docs sphinx-init + antsibull-docs collection: the collection's RST, then
#      sphinx-build -W (any warning fails) -> build/docs/html/ (not committed).
#
# Needs the bootstrap (make docs runs it): .venv with antsibull-docs and Sphinx, and the collections
# tree (amazon.aws, this tree's copy) on ANSIBLE_COLLECTIONS_PATH.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/build/docs"
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$ROOT/build/collections}"
# antsibull-docs copies a collection with `git ls-files` when git says it is inside a work tree;
# amazon.aws under the ignored build/ would be copied empty. Git must not look above build/.
export GIT_CEILING_DIRECTORIES="$ROOT/build"

echo "docs: the guides of docs/*.md as extra docs (tools/docsite_guides.py --check)" >&2
"$ROOT/.venv/bin/python" "$ROOT/tools/docsite_guides.py" --check
echo "docs: antsibull-docs lint-collection-docs --plugin-docs (plugins, extra docs, links.yml)" >&2
antsibull-docs lint-collection-docs --plugin-docs "$ROOT"

rm -rf "$OUT"
mkdir -p "$OUT/src"
chmod 755 "$OUT/src"
antsibull-docs sphinx-init --use-current --lenient --fail-on-error --dest-dir "$OUT/src" contactcenter.connect >/dev/null
# Offline: Sphinx cannot fetch the intersphinx inventories, so the references antsibull-docs' pages
# make to the Ansible docsite (a few reference pages, every ansible.builtin plugin's page) resolve
# against a local inventory of those labels (their real URLs there); any other unresolved reference
# is still a warning, and fails the build.
"$ROOT/.venv/bin/python" - "$OUT/src/ansible_devel.inv" <<'PY'
import pathlib, sys, zlib
import ansible

labels = {  # label: (page#anchor on docs.ansible.com/projects/ansible/devel/, title)
    "common_return_values": ("reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html#ansible-configuration-settings", "Ansible Configuration Settings"),
    "module_defaults": ("playbook_guide/playbooks_module_defaults.html#module-defaults", "Module defaults"),
    "check_mode_dry": ("playbook_guide/playbooks_checkmode.html#check-mode-dry", "Validating tasks: check mode and diff mode"),
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
}
# every ansible.builtin plugin of the installed ansible-core has its page there (M(ansible.builtin.copy) etc.)
core = pathlib.Path(ansible.__file__).parent
plugins = [("module", p) for p in (core / "modules").glob("*.py")]
plugins += [(kind.name, p) for kind in (core / "plugins").iterdir() if kind.is_dir() for p in kind.glob("*.py")]
plugins += [(kind, p) for kind in ("filter", "test") for p in (core / "plugins" / kind).glob("*.yml")]
for kind, path in plugins:
    if not path.stem.startswith("_"):
        name = f"ansible.builtin.{path.stem}"
        anchor = f"ansible-collections-ansible-builtin-{path.stem}-{kind}".replace("_", "-")
        labels[f"ansible_collections.{name}_{kind}"] = (f"collections/ansible/builtin/{path.stem}_{kind}.html#{anchor}", f"{name} {kind}")
body = "".join(f"{name} std:label -1 {uri} {title}\n" for name, (uri, title) in sorted(labels.items()))
with open(sys.argv[1], "wb") as out:
    out.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n")
    out.write(zlib.compress(body.encode()))
PY
cat >> "$OUT/src/conf.py" <<'PY'

# tools/docs.sh: offline, only the local inventory of Ansible docsite labels
intersphinx_mapping = {'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv')}
PY
mkdir -p "$OUT/src/rst"
chmod og-w "$OUT/src/rst"  # antsibull-docs wants that directory writable by its owner only
echo "docs: antsibull-docs collection (RST)" >&2
antsibull-docs --config-file "$OUT/src/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
    --use-current --dest-dir "$OUT/src/rst" contactcenter.connect >/dev/null
echo "docs: sphinx-build -W -> build/docs/html" >&2
sphinx-build -q -W --keep-going -b html -c "$OUT/src" -d "$OUT/doctrees" "$OUT/src/rst" "$OUT/html"
for guide in "$ROOT"/docs/docsite/rst/*.rst; do
    name=$(basename "$guide" .rst)
    test -s "$OUT/html/collections/contactcenter/connect/docsite/${name}.html" || { echo "docs: no page for the guide $name" >&2; exit 1; }
done
for module in "$ROOT"/plugins/modules/*.py; do
    name=$(basename "$module" .py)
    test -s "$OUT/html/collections/contactcenter/connect/${name}_module.html" || { echo "docs: no page for $name" >&2; exit 1; }
done
echo "docs: site in build/docs/html/index.html" >&2
