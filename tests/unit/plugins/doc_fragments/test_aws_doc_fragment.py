"""contactcenter.connect.aws carries amazon.aws's AWS connection options (tools/aws_doc_fragment.py): kept equal.

The generated fragment must be what the tool makes from the amazon.aws it records, and its options (names, types,
aliases, defaults) must be those of whichever amazon.aws these tests run with: the matrix runs them with amazon.aws
7.4.0 to 12.0.0, and AnsibleAWSModule's argument spec comes from that amazon.aws at run time.
"""

import ast
import importlib.util
import json
import pathlib

import yaml

from ansible_collections.amazon.aws.plugins.doc_fragments import assume_role as amazon_assume_role
from ansible_collections.amazon.aws.plugins.doc_fragments import common as amazon_common
from ansible_collections.amazon.aws.plugins.doc_fragments import region as amazon_region
from ansible_collections.contactcenter.connect.plugins.doc_fragments.aws import ModuleDocFragment

ROOT = pathlib.Path(__file__).resolve().parents[4]
AMAZON_AWS = pathlib.Path(amazon_common.__file__).resolve().parents[2]
INSTALLED = json.loads((AMAZON_AWS / "MANIFEST.json").read_text())["collection_info"]["version"]
MACHINE_KEYS = ("type", "aliases", "default", "choices", "elements", "required", "no_log")


def tool():
    spec = importlib.util.spec_from_file_location("aws_doc_fragment", ROOT / "tools" / "aws_doc_fragment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def machine(options, aliases=True):
    keys = MACHINE_KEYS if aliases else tuple(k for k in MACHINE_KEYS if k != "aliases")
    return {name: {k: spec[k] for k in keys if k in spec} for name, spec in options.items()}


def test_the_fragment_has_the_options_of_the_installed_amazon_aws():
    ours = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    theirs = dict(yaml.safe_load(amazon_common.ModuleDocFragment.MODULES)["options"])
    theirs.update(yaml.safe_load(amazon_region.ModuleDocFragment.MODULES)["options"])
    if INSTALLED == ModuleDocFragment.AMAZON_AWS_VERSION:
        assert machine(ours) == machine(theirs), f"amazon.aws {INSTALLED}'s options differ: run tools/aws_doc_fragment.py"
        return
    # another combination's amazon.aws: the same options, types and defaults; every alias documented is accepted
    # (amazon.aws 7.4.0 also still accepts the ec2_* aliases it deprecated, which later releases removed)
    assert machine(ours, aliases=False) == machine(theirs, aliases=False), f"amazon.aws {INSTALLED}'s options differ"
    for name, spec in ours.items():
        missing = set(spec.get("aliases", [])) - set(theirs[name].get("aliases", []))
        assert not missing, f"{name}: amazon.aws {INSTALLED} does not accept the documented aliases {sorted(missing)}"


def test_the_plugins_fragment_has_the_options_of_the_installed_amazon_aws():
    """contactcenter.connect.aws.plugins (the inventory plugin's AWS options, with env) = amazon.aws's PLUGINS fragments."""
    ours = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
    theirs = {}
    for fragment in (amazon_common, amazon_region, amazon_assume_role):
        theirs.update(yaml.safe_load(fragment.ModuleDocFragment.PLUGINS)["options"])
    if INSTALLED == ModuleDocFragment.AMAZON_AWS_VERSION:
        keys = MACHINE_KEYS + ("env",)

        def strip(options):
            return {n: {k: v for k, v in o.items() if k in keys} for n, o in options.items()}

        assert strip(ours) == strip(theirs), f"amazon.aws {INSTALLED}'s plugin options differ: run tools/aws_doc_fragment.py"
        return
    # another combination's amazon.aws: the same options and types; every alias and variable documented is one it
    # reads (amazon.aws 7.4.0 also still reads the EC2_* variables and ec2_* aliases it deprecated, later ones do not)
    assert machine(ours, aliases=False) == machine(theirs, aliases=False), f"amazon.aws {INSTALLED}'s plugin options differ"
    for name, option in ours.items():
        assert set(option.get("aliases", [])) <= set(theirs[name].get("aliases", [])), name
        assert {e["name"] for e in option.get("env", [])} <= {e["name"] for e in theirs[name].get("env", [])}, name


def test_the_fragment_is_the_generated_text_of_the_amazon_aws_it_records():
    text = (ROOT / "plugins" / "doc_fragments" / "aws.py").read_text()
    if INSTALLED == ModuleDocFragment.AMAZON_AWS_VERSION:
        assert text == tool().generate(AMAZON_AWS), "plugins/doc_fragments/aws.py differs: run tools/aws_doc_fragment.py"
    else:  # another combination's amazon.aws: the text may differ, the options may not (above); the layout is the tool's
        assert text.startswith(tool().HEADER.format(version=ModuleDocFragment.AMAZON_AWS_VERSION))


def test_the_recorded_version_is_the_primary_combinations():
    bootstrap = (ROOT / "tools" / "bootstrap.sh").read_text()
    assert f"AMAZON_AWS_VERSION={ModuleDocFragment.AMAZON_AWS_VERSION}\n" in bootstrap


def test_every_plugin_documents_the_aws_options_from_this_collection_alone():
    plugins = sorted((ROOT / "plugins" / "modules").glob("*.py")) + sorted((ROOT / "plugins" / "inventory").glob("*.py"))
    assert len(plugins) >= 7
    for plugin in plugins:
        tree = ast.parse(plugin.read_text())
        [text] = [n.value.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "DOCUMENTATION"]
        fragments = yaml.safe_load(text).get("extends_documentation_fragment") or []
        wanted = "contactcenter.connect.aws" if plugin.parent.name == "modules" else "contactcenter.connect.aws.plugins"
        assert wanted in fragments, plugin.name
        # core's own fragments (inventory_cache, constructed) resolve everywhere; no other collection's may be needed
        assert not [f for f in fragments if "." in f and not f.startswith(("contactcenter.connect.", "ansible.builtin."))], plugin.name


def test_the_modules_take_the_documented_aliases_with_every_amazon_aws():
    """AnsibleAWSModule's connection options with the modules' own (options.aws_options) over them: the aliases are the
    documented ones with whichever amazon.aws the tests run with (7.x's ec2_* aliases, removed in 8.0.0, are not taken)."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
    from ansible_collections.contactcenter.connect.plugins.module_utils.options import aws_options

    spec = aws_argument_spec()
    spec.update(aws_options())
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(spec) == set(documented)
    for name, option in documented.items():
        assert sorted(spec[name].get("aliases", [])) == sorted(option.get("aliases", [])), name
        assert {d["name"] for d in spec[name].get("deprecated_aliases", [])} <= set(spec[name].get("aliases", [])), name
