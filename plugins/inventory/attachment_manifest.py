# -*- coding: utf-8 -*-

# Copyright: Contributors to the contactcenter.connect project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: attachment_manifest
short_description: Amazon Connect Cases cases as hosts, from a migration manifest of files
version_added: 0.3.0
description:
  - Reads a manifest (an export of an old CRM, one row per file, naming the file's case) and makes one host per case,
    with the case's files as items of M(contactcenter.connect.connect_attached_files) in the host variable
    C(connect_files). A playbook over the group C(connect_cases) with one C(connect_attached_files) task per host
    migrates the files; AWX job slicing spreads the hosts (cases) over as many jobs as wanted, and no two slices share a
    case.
  - The case column holds a case id, a case ARN, or (with O(case_field)) the value of a case field such as a custom
    C(legacy_id) field. Field values are resolved with Connect Cases C(SearchCases), batched; see O(case_field).
  - "Each resolved case is a host in the group C(connect_cases), named after the value in the case column (the case id
    for a case ARN), with characters other than letters, digits, C(_), C(.) and C(-) replaced by C(_) (and, when two
    values would give the same name, a short hash of the value appended). Host variables: C(connect_case_arn),
    C(connect_case_id), C(connect_case_keys) (the values of the case column that named it), C(connect_manifest_lines),
    C(connect_files) and C(ansible_connection=local); with O(instance_id), C(connect_instance_id) on the group."
  - Rows whose case cannot be resolved (no case matches, more than one does, or the value is not a case id or ARN) are
    hosts in the group C(connect_unresolved) instead, one per value, with C(connect_unresolved_reason), the same
    C(connect_case_keys), C(connect_manifest_lines) and C(connect_files), so that a job can report them in one place.
  - A manifest that cannot be read, or a row without C(src) or without a value in the case column, fails the inventory
    with the manifest's name and the row's line.
  - The inventory only reads, nothing is uploaded or changed. Its requests are C(GetDomain) (when the domain's ARN is
    not given) and C(SearchCases) (with O(case_field)).
  - The configuration file's name must end with C(connect_manifest.yml) or C(connect_manifest.yaml).
author:
  - contactcenter.connect maintainers (@contactcenter)
options:
  plugin:
    description: The name of this plugin; the C(auto) inventory plugin finds it by this key.
    type: str
    required: true
    choices: [contactcenter.connect.attachment_manifest]
  manifest:
    description:
      - Path of the manifest, relative to the folder of this configuration file.
      - "A CSV file with a header row (UTF-8, a byte-order mark is allowed; blank rows are skipped), or a JSON or YAML
        list of objects (column names to values; YAML values are read as text as written)."
      - "Columns: the case column (O(case_column)); C(src) (required), the file to attach; C(file_name),
        C(file_use_case_type) and C(client_token), the item options of the same names; C(tags.<key>), a tag of the
        file (an empty cell: no such tag; in JSON or YAML also C(tags), a mapping). Empty cells are not set. Other
        columns are ignored, with one warning naming them."
      - A relative C(src) is relative to O(src_dir).
    type: str
    required: true
  manifest_format:
    description: The manifest's format; V(auto) tells it from the file name's extension (C(.csv), C(.json), C(.yml), C(.yaml)).
    type: str
    choices: [auto, csv, json, yaml]
    default: auto
  src_dir:
    description:
      - The folder relative C(src) values of the manifest are in (relative to the configuration file's folder).
      - Default, the manifest's folder. Set it when the files lie elsewhere, for example on a volume mounted into the
        AWX execution environment.
      - C(src) values become absolute paths in C(connect_files), so the playbook finds them wherever it runs (with
        C(ansible_connection=local), on the controller or the execution node that runs the job).
    type: str
  case_column:
    description: The column that names each row's case.
    type: str
    default: case
  case_field:
    description:
      - The id of the Connect Cases field whose value the case column holds (a custom field keeping the old system's
        id, for example). Text fields only; values are compared as they are (C(equalTo)).
      - Resolved with C(SearchCases) in the domain O(domain_id), batched (O(search_batch_size) distinct values per
        request, an C(orAll) of field filters, every page read), never one request per row; paced as the modules'
        requests are (O(requests_per_second)).
      - A value no case has, or more than one case has, makes a host in C(connect_unresolved).
      - Without it, the case column holds case ids (of O(domain_id)) or case ARNs.
    type: str
  domain_id:
    description:
      - The Connect Cases domain of the cases, its id or its ARN.
      - Required with O(case_field), or when the case column holds case ids.
      - The case ARNs are built from the domain's ARN; when it is not given (a domain ARN here, or an instance ARN in
        O(instance_id)), one C(GetDomain) request reads it.
    type: str
  instance_id:
    description:
      - The Amazon Connect instance the files go to, its id or its ARN; the group C(connect_cases) gets its id as
        C(connect_instance_id), for the playbook's O(contactcenter.connect.connect_attached_files#module:instance_id).
    type: str
  search_batch_size:
    description: How many distinct values of O(case_field) one C(SearchCases) request looks for, 1 to 10.
    type: int
    default: 10
  requests_per_second:
    description:
      - Client-side pace of each Connect Cases operation, as the modules' O(contactcenter.connect.connect_attached_files#module:requests_per_second).
      - Not set, adaptive (from Connect's default limit, 2 requests per second with a burst of 5); a number is a fixed
        pace; V(0) turns pacing off. Throttled requests are retried in every case.
    type: float
  cache:
    description:
      - With the inventory cache, the case ids found for O(case_field) values are kept (per configuration file, domain
        and field), and only values not in the cache are searched. Values that resolved to no case or to several are
        searched again each time. C(--flush-cache) searches every value again.
requirements:
  - boto3 >= 1.42.96
  - botocore >= 1.42.96
notes:
  - Host variables from the manifest are data, never templates.
  - Constructed options (O(compose), O(groups), O(keyed_groups)) apply to the hosts of C(connect_cases), with their
    host variables.
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - contactcenter.connect.aws.plugins
"""

EXAMPLES = r"""
# migration.connect_manifest.yml: hosts are the cases named by a legacy CRM id kept in the case field legacy_id
plugin: contactcenter.connect.attachment_manifest
manifest: export/attachments.csv     # case,src,file_name,tags.source
instance_id: arn:aws:connect:eu-central-1:123456789012:instance/11111111-1111-4111-8111-111111111111
domain_id: 22222222-2222-4222-8222-222222222222
case_field: legacy_id
region: eu-central-1
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /var/tmp/connect_manifest_cache
keyed_groups:
  # one group per first letter of the legacy id (legacy_A, legacy_B, ...)
  - key: connect_case_keys[0][:1]
    prefix: legacy
groups:
  large_cases: connect_files | length > 20

---
# cases.connect_manifest.yml: the export already names Connect case ids, and the files are on a mounted volume
plugin: contactcenter.connect.attachment_manifest
manifest: export.json                # [{"case": "<case id>", "src": "case-0001/contract.pdf"}, ...]
src_dir: /mnt/export
domain_id: arn:aws:cases:us-east-1:123456789012:domain/22222222-2222-4222-8222-222222222222
instance_id: 11111111-1111-4111-8111-111111111111
"""

import hashlib
import os
import re

from ansible.errors import AnsibleParserError
from ansible.utils.unsafe_proxy import wrap_var

try:
    # ansible-core >= 2.19 (data tagging): what an inventory plugin sets is never a template unless trusted explicitly
    from ansible.template import trust_as_template
except ImportError:
    trust_as_template = None  # older cores template any string: manifest data is marked unsafe (wrap_var) instead

from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase

from ansible_collections.contactcenter.connect.plugins.module_utils.errors import AttachedFileError
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import DEFAULT_BURST
from ansible_collections.contactcenter.connect.plugins.module_utils.pacing import Pacer
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import CASES_RETRY_CODES
from ansible_collections.contactcenter.connect.plugins.module_utils.settings import Settings
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import CASE_ARN
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import DOMAIN_ARN
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import INSTANCE_ARN
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import FieldResolver
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import Resolved
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import ResolutionError
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import domain_arn_from_options
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import domain_id_of
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import get_domain_arn
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import instance_id_of
from ansible_collections.contactcenter.connect.plugins.plugin_utils.case_resolution import resolve_reference
from ansible_collections.contactcenter.connect.plugins.plugin_utils.manifest import ManifestError
from ansible_collections.contactcenter.connect.plugins.plugin_utils.manifest import open_manifest

CASES_GROUP = "connect_cases"
UNRESOLVED_GROUP = "connect_unresolved"
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.\-]")
CACHE_VERSION = 1


def where(manifest, lines, files):
    """Where a value's rows are, for a report: ``export.csv lines 4, 9 (2 files)``."""
    shown = ", ".join(str(line) for line in lines[:10]) + (", ..." if len(lines) > 10 else "")
    return f"{os.path.basename(manifest)} line{'s' if len(lines) > 1 else ''} {shown} ({len(files)} file{'s' if len(files) > 1 else ''})"


def host_name(value):
    """A host name for a case column value: letters, digits, _ . - kept, anything else _."""
    return UNSAFE_NAME.sub("_", value) or "_"


class CaseGroup:
    """The rows of one case column value: their lines and items, in manifest order."""

    __slots__ = ("key", "lines", "files")

    def __init__(self, key):
        self.key = key
        self.lines = []
        self.files = []


def group_rows(rows):
    """{case column value: CaseGroup}, in the order values first appear."""
    groups = {}
    for row in rows:
        group = groups.get(row.case_key)
        if group is None:
            group = groups[row.case_key] = CaseGroup(row.case_key)
        group.lines.append(row.line)
        group.files.append(row.item)
    return groups


class InventoryModule(AWSInventoryBase):
    NAME = "contactcenter.connect.attachment_manifest"
    INVENTORY_FILE_SUFFIXES = ("connect_manifest.yml", "connect_manifest.yaml")

    def __init__(self):
        super().__init__()
        self.search_calls = 0
        self.manifest = None
        self._cases_client = None

    def _do_fail(self, message):
        raise AnsibleParserError(message)

    # ------------------------------------------------------------------ reading --

    def _config_relative(self, path, value):
        value = os.path.expanduser(value)
        return value if os.path.isabs(value) else os.path.join(os.path.dirname(os.path.abspath(path)), value)

    def _read_manifest(self, path):
        manifest = self.manifest = self._config_relative(path, self.get_option("manifest"))
        src_dir = self.get_option("src_dir")
        try:
            rows, reader = open_manifest(
                manifest, self.get_option("case_column"), self._config_relative(path, src_dir) if src_dir else None,
                self.get_option("manifest_format"),
            )
            groups = group_rows(rows)
        except ManifestError as exc:
            raise AnsibleParserError(str(exc)) from exc
        if reader.ignored_columns:
            self.warn(f"manifest {manifest}: columns not used for the files, ignored: {', '.join(sorted(reader.ignored_columns))}")
        return groups

    # --------------------------------------------------------------- resolution --

    def _client(self, region=None):
        if self._cases_client is None:
            extra = {}
            if region and not self.get_option("region"):
                extra["region"] = region  # from the domain's or instance's ARN
            client = self.client("connectcases", retry_decorator=Settings().api_retry(CASES_RETRY_CODES), **extra)  # the modules' policy
            Pacer(self.get_option("requests_per_second"), DEFAULT_BURST).install(client)
            self._cases_client = client
        return self._cases_client

    def _domain_arn(self, domain, instance, cached):
        known = domain_arn_from_options(domain, instance) or cached
        if known:
            return known
        found = INSTANCE_ARN.match(instance or "")
        return get_domain_arn(self._client(found and found.group("region")), domain_id_of(domain))

    def _resolve_fields(self, keys, domain_id, field, cached):
        """{key: Resolved} for case field values: the cache's case ids first, SearchCases for the others."""
        results = {key: Resolved(cached[key], None) for key in keys if key in cached}
        missing = [key for key in keys if key not in results]
        if missing:
            domain = DOMAIN_ARN.match(self.get_option("domain_id")) or INSTANCE_ARN.match(self.get_option("instance_id") or "")
            client = self._client(domain and domain.group("region"))
            resolver = FieldResolver(client, domain_id, field, self.get_option("search_batch_size"))
            try:
                results.update(resolver.resolve(missing))
            finally:
                self.search_calls += resolver.calls
        return results

    def _resolve(self, keys, path, cache):
        """({key: Resolved}, domain ARN or None); reads and refreshes the cache of field values."""
        domain, field = self.get_option("domain_id"), self.get_option("case_field")
        instance = self.get_option("instance_id")
        if instance:
            instance_id_of(instance)  # refuses what is neither an id nor an ARN
        domain_id = domain_id_of(domain) if domain else None
        if field:
            if not domain_id:
                raise ResolutionError("domain_id is required with case_field: it names the domain whose cases are searched")
            cached = self._cached_cases(path, cache, domain_id, field)
            results = self._resolve_fields(list(keys), domain_id, field, cached["cases"])
        else:
            cached = None
            results = {key: resolve_reference(key, domain_id) for key in keys}
            ids = [key for key, resolved in results.items() if resolved.case_id and not CASE_ARN.match(key)]
            if ids and not domain_id:
                raise ResolutionError(
                    f"domain_id is required when the case column holds case ids (such as {ids[0]!r}), not case ARNs"
                )
        needs_arn = any(resolved.case_id and not CASE_ARN.match(key) for key, resolved in results.items())
        domain_arn = self._domain_arn(domain, instance, cached and cached.get("domain_arn")) if needs_arn else None
        if field:
            self._store_cached_cases(path, cached, domain_arn, results)
        return results, domain_arn

    # -------------------------------------------------------------------- cache --

    def _cached_cases(self, path, cache, domain_id, field):
        """The cached resolutions of this configuration, domain and field (empty when none, or not to be used)."""
        empty = {"version": CACHE_VERSION, "domain_id": domain_id, "case_field": field, "domain_arn": None, "cases": {}}
        if not cache or not self.get_option("cache"):
            return empty
        try:
            found = self._cache[self.get_cache_key(path)]
        except KeyError:
            return empty
        if not isinstance(found, dict) or (found.get("version"), found.get("domain_id"), found.get("case_field")) != (CACHE_VERSION, domain_id, field):
            return empty
        return dict(empty, domain_arn=found.get("domain_arn"), cases=dict(found.get("cases") or {}))

    def _store_cached_cases(self, path, cached, domain_arn, results):
        if not self.get_option("cache"):
            return
        cases = dict(cached["cases"])
        cases.update({key: resolved.case_id for key, resolved in results.items() if resolved.case_id})
        if cases != cached["cases"] or domain_arn != cached["domain_arn"]:
            self._cache[self.get_cache_key(path)] = dict(cached, domain_arn=domain_arn, cases=cases)

    # ----------------------------------------------------------------- populate --

    def _host_names(self, entries):
        """{entry index: host name}: sanitised values, with a hash of the value appended where two would clash."""
        names = [host_name(label) for label, _raw in entries]
        counts = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        return [
            name if counts[name] == 1 else f"{name}_{hashlib.sha256(raw.encode('utf-8')).hexdigest()[:8]}"
            for name, (_label, raw) in zip(names, entries)
        ]

    def _populate(self, groups, results, domain_arn):
        inventory = self.inventory
        inventory.add_group(CASES_GROUP)
        inventory.add_group(UNRESOLVED_GROUP)
        instance = self.get_option("instance_id")
        if instance:
            inventory.set_variable(CASES_GROUP, "connect_instance_id", instance_id_of(instance))

        cases, unresolved = {}, []  # case ARN -> [CaseGroup...]; [CaseGroup...]
        for key, group in groups.items():
            resolved = results[key]
            if resolved.case_id is None:
                unresolved.append(group)
                continue
            arn = key if CASE_ARN.match(key) else f"{domain_arn}/case/{resolved.case_id}"
            cases.setdefault(arn, []).append(group)

        entries = [(CASE_ARN.match(arn).group("case") if CASE_ARN.match(members[0].key) else members[0].key, arn)
                   for arn, members in cases.items()]
        entries += [(group.key, group.key) for group in unresolved]
        names = self._host_names(entries)
        strict = self.get_option("strict")

        for name, (arn, members) in zip(names, cases.items()):
            host_vars = {
                "ansible_connection": "local",
                "connect_case_arn": arn,
                "connect_case_id": CASE_ARN.match(arn).group("case"),
                "connect_case_keys": [member.key for member in members],
                "connect_manifest_lines": [line for member in members for line in member.lines],
                "connect_files": [item for member in members for item in member.files],
            }
            self._add_host(name, CASES_GROUP, host_vars)
            self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)

        for name, group in zip(names[len(cases):], unresolved):
            self._add_host(name, UNRESOLVED_GROUP, {
                "ansible_connection": "local",
                "connect_unresolved_reason": f"{results[group.key].reason}: {where(self.manifest, group.lines, group.files)}",
                "connect_case_keys": [group.key],
                "connect_manifest_lines": group.lines,
                "connect_files": group.files,
            })

    def _add_host(self, name, group, host_vars):
        self.inventory.add_host(name, group=group)
        for variable, value in host_vars.items():
            # manifest data is data, never a template
            self.inventory.set_variable(name, variable, value if trust_as_template else wrap_var(value))

    # -------------------------------------------------------------------- parse --

    def parse(self, inventory, loader, path, cache=True):  # pylint: disable=arguments-differ
        super().parse(inventory, loader, path, cache=cache)
        groups = self._read_manifest(path)
        try:
            results, domain_arn = self._resolve(groups, path, cache)
        except (ResolutionError, AttachedFileError) as exc:
            raise AnsibleParserError(self._message(exc)) from exc
        self._populate(groups, results, domain_arn)

    def _message(self, exc):
        if isinstance(exc, AttachedFileError):
            # the API wrappers' errors lead with the service's cause (message and code), then what was being done
            detail = getattr(exc.exception, "response", None) or {}
            if (detail.get("Error") or {}).get("Code") == "ResourceNotFoundException":
                return f"the Cases domain {self.get_option('domain_id')} (domain_id) was not found: {exc.message}"
            return exc.message
        return str(exc)
