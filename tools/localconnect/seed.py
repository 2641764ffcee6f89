"""Seed documents: which credentials, instances, cases and contacts exist.

A seed is JSON; every top-level key is optional and replaces the default of
that kind (see ``defaults.py``)::

    {
      "credentials": [{"access_key_id": "AKIA...", "secret_access_key": "...",
                       "session_token": "optional"}],
      "instances": [{"instance_id": "...",
                     "attached_files_configuration": {
                         "CASE": {"MaximumSizeLimitInBytes": 1048576,
                                  "AllowedExtensions": ["pdf", "txt"]}}}],
      "cases_domains": [{"domain_id": "...",
                         "cases": ["case-1", {"case_id": "case-2", "fields": {"legacy_id": "CRM-2"},
                                              "tags": {"team": "billing"}}],
                         "instance_id": "the instance the domain is associated with"}],
      "contacts": [{"instance_id": "...", "contact_id": "...",
                    "channel": "EMAIL|TASK|CHAT|VOICE", "subtype": "optional",
                    "completed": true}],
      "scan_delay": 0.5,
      "quotas": {"files_per_resource": 50, "total_file_size_per_resource": null},
      "modes": {"start_with_known_token": "fresh"}
    }

A case is an id or an object with its custom fields, tags and template (``casefields.py``).
A domain without ``instance_id`` belongs to the first seeded instance. ``modes`` are the
behaviour modes of ``modes.py`` (the others keep their defaults).

Scopes (EMAIL, CHAT, CASE, TASK) and fields not given in an instance's
``attached_files_configuration`` keep the defaults. A contact's ``channel`` defaults to
EMAIL, its ``subtype`` to ``connect:Telephony`` for VOICE (``connect:<Channel>`` otherwise),
``completed`` to true (see ``contacts.py``).
"""

import copy
import json

from localconnect import defaults, modes
from localconnect.casefields import default_cases, parse_case
from localconnect.contacts import default_contacts, parse_contact
from localconnect.quotas import DEFAULTS as DEFAULT_QUOTAS
from localconnect.quotas import QuotaSeedError, parse_quotas


class SeedError(ValueError):
    """The seed document is malformed."""


class Seed:
    """A parsed seed: the world a reset starts from."""

    def __init__(self):
        self.credentials = {defaults.ACCESS_KEY: (defaults.SECRET_KEY, None)}
        self.instances = {defaults.INSTANCE_ID: _default_scopes()}
        # domain id -> {case id: casefields.CaseRecord}, in seed order
        self.domains = {defaults.CASES_DOMAIN_ID: default_cases()}
        # domain id -> the instance it is associated with (mode case_domain_instance)
        self.domain_instances = {defaults.CASES_DOMAIN_ID: defaults.INSTANCE_ID}
        self.contacts = default_contacts()
        self.scan_delay = None
        self.quotas = dict(DEFAULT_QUOTAS)  # see quotas.py
        self.modes = {}  # only the modes this seed sets

    def effective_modes(self):
        """Every mode: the defaults, overridden by this seed's."""
        return dict(modes.defaults(), **self.modes)

    def copy(self):
        """Deep copy (configurations are mutated by UpdateAttachedFilesConfiguration)."""
        return copy.deepcopy(self)


def _default_scopes():
    return {scope: dict(defaults.default_scope_configuration(), LastModifiedTime=None)
            for scope in defaults.ATTACHMENT_SCOPES}


def _require(condition, message):
    if not condition:
        raise SeedError(message)


def _string(item, key, where):
    value = item.get(key) if isinstance(item, dict) else None
    _require(isinstance(value, str) and value, "%s needs a non-empty string %r" % (where, key))
    return value


def _list_of_dicts(document, key):
    value = document[key]
    _require(isinstance(value, list) and all(isinstance(item, dict) for item in value),
             "%r must be a list of objects" % key)
    return value


def _extensions(value, where):
    _require(isinstance(value, list), "%s AllowedExtensions must be a list" % where)
    result = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("Extension")
        _require(isinstance(item, str) and item, "%s AllowedExtensions entries must be strings" % where)
        result.append(item)
    return result


def _scopes(config, where):
    scopes = _default_scopes()
    _require(isinstance(config, dict), "%s attached_files_configuration must be an object" % where)
    for scope, settings in config.items():
        _require(scope in scopes, "%s: unknown attachment scope %r" % (where, scope))
        _require(isinstance(settings, dict), "%s %s configuration must be an object" % (where, scope))
        if "MaximumSizeLimitInBytes" in settings:
            size = settings["MaximumSizeLimitInBytes"]
            _require(isinstance(size, int) and not isinstance(size, bool) and size >= 1,
                     "%s %s MaximumSizeLimitInBytes must be a positive integer" % (where, scope))
            scopes[scope]["MaximumSizeLimitInBytes"] = size
        if "AllowedExtensions" in settings:
            scopes[scope]["AllowedExtensions"] = _extensions(settings["AllowedExtensions"], where)
    return scopes


def build_seed(document=None):
    """Defaults overridden by the keys present in ``document`` (a dict)."""
    seed = Seed()
    if document is None:
        return seed
    _require(isinstance(document, dict), "a seed must be a JSON object")
    unknown = set(document) - {"credentials", "instances", "cases_domains", "contacts", "scan_delay", "quotas", "modes"}
    _require(not unknown, "unknown seed keys: %s" % ", ".join(sorted(unknown)))
    if "credentials" in document:
        seed.credentials = {}
        for item in _list_of_dicts(document, "credentials"):
            token = item.get("session_token")
            _require(token is None or isinstance(token, str), "session_token must be a string")
            seed.credentials[_string(item, "access_key_id", "credential")] = (
                _string(item, "secret_access_key", "credential"), token)
    if "instances" in document:
        seed.instances = {}
        for item in _list_of_dicts(document, "instances"):
            instance_id = _string(item, "instance_id", "instance")
            seed.instances[instance_id] = _scopes(item.get("attached_files_configuration", {}), instance_id)
    if "cases_domains" in document:
        seed.domains = {}
        seed.domain_instances = {}
        for item in _list_of_dicts(document, "cases_domains"):
            cases = item.get("cases", [])
            _require(isinstance(cases, list), "cases_domains cases must be a list")
            domain_id = _string(item, "domain_id", "cases domain")
            seed.domains[domain_id] = {}
            for case in cases:
                record = parse_case(case, _require)
                _require(record.case_id not in seed.domains[domain_id],
                         "cases domain %s lists case %s twice" % (domain_id, record.case_id))
                seed.domains[domain_id][record.case_id] = record
            if "instance_id" in item:
                seed.domain_instances[domain_id] = _string(item, "instance_id", "cases domain")
    # a domain without instance_id belongs to the first seeded instance
    first_instance = next(iter(seed.instances), None)
    for domain_id in seed.domains:
        if domain_id not in seed.domain_instances or (
                "cases_domains" not in document and seed.domain_instances[domain_id] not in seed.instances):
            seed.domain_instances[domain_id] = first_instance
    if "contacts" in document:
        seed.contacts = {}
        for item in _list_of_dicts(document, "contacts"):
            contact = parse_contact(item, _require)
            seed.contacts[(contact.instance_id, contact.contact_id)] = contact
    if "scan_delay" in document:
        delay = document["scan_delay"]
        _require(isinstance(delay, (int, float)) and not isinstance(delay, bool) and delay >= 0,
                 "scan_delay must be a number >= 0")
        seed.scan_delay = float(delay)
    if "quotas" in document:
        try:
            seed.quotas = parse_quotas(document["quotas"])
        except QuotaSeedError as exc:
            raise SeedError(str(exc)) from None
    if "modes" in document:
        try:
            seed.modes = modes.validate(document["modes"], "seed modes")
        except ValueError as exc:
            raise SeedError(str(exc)) from exc
    return seed


def load_seed_file(path):
    """Read and parse a seed file."""
    with open(path, "r", encoding="utf-8") as handle:
        try:
            document = json.load(handle)
        except ValueError as exc:
            raise SeedError("%s is not valid JSON: %s" % (path, exc)) from exc
    return build_seed(document)
