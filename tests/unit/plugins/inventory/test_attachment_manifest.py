"""The attachment_manifest inventory plugin, parsed in-process with a stubbed Connect Cases client."""

import boto3
import pytest
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

DOMAIN = "22222222-2222-4222-8222-222222222222"
DOMAIN_ARN = f"arn:aws:cases:us-east-1:123456789012:domain/{DOMAIN}"
INSTANCE = "11111111-1111-4111-8111-111111111111"
INSTANCE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"


@pytest.fixture
def cases():
    client = boto3.client("connectcases", region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="secret")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def parse(tmp_path, cases, monkeypatch):
    """Write the config (and manifest), parse it; returns (InventoryData, plugin). The plugin's clients are the stub."""
    client, _stubber = cases
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_URL"):
        monkeypatch.delenv(name, raising=False)
    made = []

    def run(config, manifest_text=None, manifest_name="export.csv", cache=True, plugin=None):
        if manifest_text is not None:
            (tmp_path / manifest_name).write_text(manifest_text)
        path = tmp_path / "migration.connect_manifest.yml"
        path.write_text(yaml.safe_dump(dict({"plugin": "contactcenter.connect.attachment_manifest", "manifest": manifest_name}, **config)))
        plugin = plugin or inventory_loader.get("contactcenter.connect.attachment_manifest")

        def client_for(service, retry_decorator=None, **extra):
            made.append((service, extra))
            return RetryingBotoClientWrapper(client, retry_decorator)

        plugin.client = client_for
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        if config.get("cache"):
            plugin.update_cache_if_changed()  # as the InventoryManager does after a parse
        return inventory, plugin

    run.clients = made
    return run


def search(stubber, values, matches, field="legacy_id", token=None, next_token=None):
    params = {
        "domainId": DOMAIN,
        "filter": {"orAll": [{"field": {"equalTo": {"id": field, "value": {"stringValue": v}}}} for v in values]},
        "fields": [{"id": field}], "maxResults": 25,
    }
    if token:
        params["nextToken"] = token
    response = {"cases": [{"caseId": c, "templateId": "t", "fields": [{"id": field, "value": {"stringValue": v}}]} for c, v in matches]}
    if next_token:
        response["nextToken"] = next_token
    stubber.add_response("search_cases", response, params)


def host_vars(inventory, name):
    return inventory.get_host(name).get_vars()


def members(inventory, group):
    return sorted(h.name for h in inventory.groups[group].get_hosts())


LEGACY = "\n".join([
    "case,src,file_name,tags.source",
    "CRM-1,a.pdf,,old-crm",
    "CRM-2,b.pdf,Bee.pdf,",
    "CRM-1,c.pdf,,old-crm",
    "CRM-404,d.pdf,,",
    "CRM-3,e.pdf,,",
    "CRM-2,f.pdf,,",
]) + "\n"


def test_legacy_ids_resolve_to_cases_with_one_search(parse, cases, tmp_path):
    _client, stubber = cases
    search(stubber, ["CRM-1", "CRM-2", "CRM-404", "CRM-3"], [("case-1", "CRM-1"), ("case-2", "CRM-2"), ("case-3", "CRM-3"), ("case-3b", "CRM-3")])
    inventory, plugin = parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id", instance_id=INSTANCE_ARN), LEGACY)
    assert plugin.search_calls == 1
    assert members(inventory, "connect_cases") == ["CRM-1", "CRM-2"]
    assert members(inventory, "connect_unresolved") == ["CRM-3", "CRM-404"]
    crm1 = host_vars(inventory, "CRM-1")
    assert crm1["connect_case_arn"] == f"{DOMAIN_ARN}/case/case-1"
    assert crm1["connect_case_id"] == "case-1"
    assert crm1["connect_case_keys"] == ["CRM-1"]
    assert crm1["connect_manifest_lines"] == [2, 4]
    assert crm1["ansible_connection"] == "local"
    assert crm1["connect_files"] == [
        {"src": str(tmp_path / "a.pdf"), "tags": {"source": "old-crm"}},
        {"src": str(tmp_path / "c.pdf"), "tags": {"source": "old-crm"}},
    ]
    assert host_vars(inventory, "CRM-2")["connect_files"] == [{"src": str(tmp_path / "b.pdf"), "file_name": "Bee.pdf"},
                                                              {"src": str(tmp_path / "f.pdf")}]
    assert inventory.groups["connect_cases"].get_vars() == {"connect_instance_id": INSTANCE}
    missing = host_vars(inventory, "CRM-404")
    assert missing["connect_unresolved_reason"] == f"no case of domain {DOMAIN} has legacy_id = 'CRM-404': export.csv line 5 (1 file)"
    assert missing["connect_manifest_lines"] == [5] and missing["connect_files"] == [{"src": str(tmp_path / "d.pdf")}]
    assert "connect_case_arn" not in missing
    assert "2 cases of domain" in host_vars(inventory, "CRM-3")["connect_unresolved_reason"]
    assert parse.clients == [("connectcases", {"region": "us-east-1"})]  # no region option: the domain ARN's


def test_region_comes_from_the_domain_arn_when_not_configured(parse, cases):
    _client, stubber = cases
    search(stubber, ["CRM-1"], [("case-1", "CRM-1")])
    parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id"), "case,src\nCRM-1,a.pdf\n")
    assert parse.clients == [("connectcases", {"region": "us-east-1"})]


def test_configured_region_wins(parse, cases):
    _client, stubber = cases
    search(stubber, ["CRM-1"], [("case-1", "CRM-1")])
    parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id", region="eu-west-1"), "case,src\nCRM-1,a.pdf\n")
    assert parse.clients == [("connectcases", {})]


def test_searches_are_paced(parse, cases, monkeypatch):
    _client, stubber = cases
    installed = []
    from ansible_collections.contactcenter.connect.plugins.module_utils import pacing

    monkeypatch.setattr(pacing.Pacer, "install", lambda self, client: installed.append((self.rate, self.burst)) or client)
    search(stubber, ["CRM-1"], [("case-1", "CRM-1")])
    parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id", requests_per_second=1.5), "case,src\nCRM-1,a.pdf\n")
    search(stubber, ["CRM-1"], [("case-1", "CRM-1")])
    parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id"), "case,src\nCRM-1,a.pdf\n")
    assert installed == [(1.5, pacing.DEFAULT_BURST), (None, pacing.DEFAULT_BURST)]


def test_two_legacy_ids_of_one_case_are_one_host(parse, cases):
    _client, stubber = cases
    search(stubber, ["A-1", "A-2"], [("case-1", "A-1"), ("case-1", "A-2")])
    inventory, _plugin = parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id"), "case,src\nA-1,a.pdf\nA-2,b.pdf\n")
    assert members(inventory, "connect_cases") == ["A-1"]
    assert host_vars(inventory, "A-1")["connect_case_keys"] == ["A-1", "A-2"]
    assert [f["src"].rsplit("/", 1)[1] for f in host_vars(inventory, "A-1")["connect_files"]] == ["a.pdf", "b.pdf"]


def test_search_batches_follow_search_batch_size(parse, cases):
    _client, stubber = cases
    for batch in (["A", "B"], ["C", "D"], ["E"]):
        search(stubber, batch, [(f"case-{v}", v) for v in batch])
    manifest = "case,src\n" + "".join(f"{v},{v}.pdf\n{v},{v}2.pdf\n" for v in "ABCDE")
    inventory, plugin = parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id", search_batch_size=2), manifest)
    assert plugin.search_calls == 3 and len(members(inventory, "connect_cases")) == 5


def test_case_ids_and_arns_need_no_request(parse):
    manifest = "ticket,src\ncase-0001,a.pdf\nweird id,b.pdf\n" f"{DOMAIN_ARN}/case/case-0002,c.pdf\ncase-0001,d.pdf\n"
    inventory, plugin = parse(dict(domain_id=DOMAIN, instance_id=INSTANCE_ARN, case_column="ticket"), manifest)
    assert plugin.search_calls == 0 and parse.clients == []
    assert members(inventory, "connect_cases") == ["case-0001", "case-0002"]
    assert host_vars(inventory, "case-0002")["connect_case_arn"] == f"{DOMAIN_ARN}/case/case-0002"
    assert host_vars(inventory, "case-0001")["connect_case_arn"] == f"{DOMAIN_ARN}/case/case-0001"
    assert len(host_vars(inventory, "case-0001")["connect_files"]) == 2
    assert members(inventory, "connect_unresolved") == ["weird_id"]
    assert "not a case id" in host_vars(inventory, "weird_id")["connect_unresolved_reason"]


def test_case_arns_alone_need_no_domain(parse):
    inventory, _plugin = parse({}, f"case,src\n{DOMAIN_ARN}/case/c-1,a.pdf\n")
    assert host_vars(inventory, "c-1")["connect_case_arn"] == f"{DOMAIN_ARN}/case/c-1"


def test_the_domain_arn_is_read_once_when_not_given(parse, cases):
    _client, stubber = cases
    stubber.add_response("get_domain", {"domainId": DOMAIN, "domainArn": DOMAIN_ARN, "name": "d", "createdTime": "2026-01-01T00:00:00Z",
                                        "domainStatus": "Active"}, {"domainId": DOMAIN})
    inventory, _plugin = parse(dict(domain_id=DOMAIN, instance_id=INSTANCE, region="us-east-1"), "case,src\nc-1,a.pdf\nc-2,b.pdf\n")
    assert host_vars(inventory, "c-2")["connect_case_arn"] == f"{DOMAIN_ARN}/case/c-2"
    assert inventory.groups["connect_cases"].get_vars() == {"connect_instance_id": INSTANCE}


def test_host_names_are_sanitised_and_never_merge_two_cases(parse):
    manifest = "case,src\nA:1,a.pdf\nA=1,b.pdf\nB#2,c.pdf\n"
    inventory, _plugin = parse(dict(domain_id=DOMAIN_ARN), manifest)
    hosts = members(inventory, "connect_cases")
    assert len(hosts) == 3 and "B_2" in hosts
    clashing = [h for h in hosts if h.startswith("A_1_")]
    assert len(clashing) == 2 and len({host_vars(inventory, h)["connect_case_id"] for h in clashing}) == 2


def test_constructed_groups_keyed_groups_and_compose(parse):
    manifest = "case,src\nc-1,a.pdf\nc-1,b.pdf\nc-2,c.pdf\nnot ok,d.pdf\n"
    config = dict(
        domain_id=DOMAIN_ARN,
        compose={"file_count": "connect_files | length"},
        groups={"several_files": "connect_files | length > 1"},
        keyed_groups=[{"key": "connect_case_id", "prefix": "case"}],
    )
    inventory, _plugin = parse(config, manifest)
    assert members(inventory, "several_files") == ["c-1"]
    assert members(inventory, "case_c_1") == ["c-1"] and members(inventory, "case_c_2") == ["c-2"]
    assert str(host_vars(inventory, "c-1")["file_count"]) == "2"  # ansible-core < 2.19 composes text
    assert "file_count" not in host_vars(inventory, "not_ok")  # constructed options apply to connect_cases only


def test_the_cache_keeps_resolved_values_and_searches_only_the_others(parse, cases, tmp_path):
    _client, stubber = cases
    config = dict(domain_id=DOMAIN_ARN, case_field="legacy_id", cache=True, cache_plugin="ansible.builtin.jsonfile",
                  cache_connection=str(tmp_path / "cache"))
    search(stubber, ["A", "B"], [("case-a", "A")])
    first, plugin = parse(config, "case,src\nA,a.pdf\nB,b.pdf\n")
    assert members(first, "connect_unresolved") == ["B"]
    # B was not found: searched again; A comes from the cache
    search(stubber, ["B", "C"], [("case-b", "B"), ("case-c", "C")])
    second, plugin = parse(config, "case,src\nA,a.pdf\nB,b.pdf\nC,c.pdf\n", plugin=plugin)
    assert plugin.search_calls == 2  # one per parse
    assert members(second, "connect_cases") == ["A", "B", "C"]
    assert host_vars(second, "A")["connect_case_arn"] == f"{DOMAIN_ARN}/case/case-a"
    # --flush-cache (cache=False): every value again
    search(stubber, ["A", "B", "C"], [("case-a", "A"), ("case-b", "B"), ("case-c", "C")])
    parse(config, cache=False, plugin=plugin)
    assert plugin.search_calls == 3


def test_the_cache_of_another_field_is_not_used(parse, cases, tmp_path):
    _client, stubber = cases
    config = dict(domain_id=DOMAIN_ARN, case_field="legacy_id", cache=True, cache_plugin="ansible.builtin.jsonfile",
                  cache_connection=str(tmp_path / "cache"))
    search(stubber, ["A"], [("case-a", "A")])
    _inventory, plugin = parse(config, "case,src\nA,a.pdf\n")
    search(stubber, ["A"], [("case-z", "A")], field="crm_ref")
    inventory, plugin = parse(dict(config, case_field="crm_ref"), plugin=plugin)
    assert host_vars(inventory, "A")["connect_case_id"] == "case-z"


@pytest.mark.parametrize("config, manifest, message", [
    (dict(domain_id=DOMAIN_ARN), "case,src\nc-1,\n", r"export\.csv, line 2: the 'src' column is empty"),
    (dict(domain_id=DOMAIN_ARN, manifest="nowhere.csv"), None, r"nowhere\.csv: cannot be read"),
    (dict(case_field="legacy_id"), "case,src\nA,a.pdf\n", r"domain_id is required with case_field"),
    ({}, "case,src\nc-1,a.pdf\n", r"domain_id is required when the case column holds case ids \(such as 'c-1'\)"),
    (dict(domain_id=DOMAIN_ARN, instance_id="arn:aws:connect:us-east-1:1:x"), "case,src\nc-1,a.pdf\n", r"instance_id must be"),
    (dict(domain_id=DOMAIN_ARN, search_batch_size=0, case_field="f"), "case,src\nc-1,a.pdf\n", r"search_batch_size must be between 1 and 10"),
])
def test_what_fails_the_inventory(parse, config, manifest, message):
    with pytest.raises(AnsibleParserError, match=message):
        parse(config, manifest)


def test_a_missing_domain_fails_the_inventory_naming_domain_id(parse, cases):
    _client, stubber = cases
    stubber.add_client_error("search_cases", service_error_code="ResourceNotFoundException", http_status_code=404, service_message="no such domain")
    expected = r"^the Cases domain .* \(domain_id\) was not found: no such domain \(ResourceNotFoundException\), when trying to search the domain's cases"
    with pytest.raises(AnsibleParserError, match=expected):
        parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id"), "case,src\nA,a.pdf\n")


def test_other_service_errors_name_the_code(parse, cases):
    _client, stubber = cases
    stubber.add_client_error("search_cases", service_error_code="AccessDeniedException", http_status_code=403, service_message="not allowed")
    with pytest.raises(AnsibleParserError, match=r"^not allowed \(AccessDeniedException\), when trying to search the domain's cases"):
        parse(dict(domain_id=DOMAIN_ARN, case_field="legacy_id"), "case,src\nA,a.pdf\n")


def test_ignored_columns_are_named_in_one_warning(parse, monkeypatch):
    warned = []
    plugin = inventory_loader.get("contactcenter.connect.attachment_manifest")
    monkeypatch.setattr(plugin, "warn", warned.append)
    parse(dict(domain_id=DOMAIN_ARN), "case,src,owner,created\nc-1,a.pdf,bob,2020\nc-2,b.pdf,al,2021\n", plugin=plugin)
    assert len(warned) == 1 and warned[0].endswith("columns not used for the files, ignored: created, owner")


def test_manifest_values_are_never_templates(parse):
    inventory, _plugin = parse(dict(domain_id=DOMAIN_ARN), "case,src\nc-1,\"{{ lookup('pipe', 'id') }}.pdf\"\n")
    src = host_vars(inventory, "c-1")["connect_files"][0]["src"]
    try:
        from ansible.template import is_trusted_as_template
    except ImportError:  # ansible-core < 2.19: marked unsafe
        from ansible.utils.unsafe_proxy import AnsibleUnsafe

        assert isinstance(src, AnsibleUnsafe)
    else:
        assert not is_trusted_as_template(src)


def test_verify_file_takes_connect_manifest_names_only(tmp_path):
    plugin = inventory_loader.get("contactcenter.connect.attachment_manifest")
    for name, expected in (("a.connect_manifest.yml", True), ("connect_manifest.yaml", True), ("a.aws_ec2.yml", False), ("m.csv", False)):
        (tmp_path / name).write_text("plugin: contactcenter.connect.attachment_manifest\n")
        assert bool(plugin.verify_file(str(tmp_path / name))) is expected, name


def test_src_dir_and_manifest_format_options(parse, tmp_path):
    inventory, _plugin = parse(dict(domain_id=DOMAIN_ARN, src_dir="files", manifest_format="json"), '[{"case": "c-1", "src": "a.pdf"}]',
                               manifest_name="export.txt")
    assert host_vars(inventory, "c-1")["connect_files"] == [{"src": str(tmp_path / "files" / "a.pdf")}]
