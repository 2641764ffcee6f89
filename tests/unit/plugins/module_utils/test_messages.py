"""messages.py: grouped failure summaries, when a hint helps, warnings through AnsibleModule.warn."""

from ansible_collections.contactcenter.connect.plugins.module_utils import messages


def test_identical_causes_are_said_once_with_counts_and_first_names():
    failed = [(f"files[{i}] (d{i}.pdf)", f"files[{i}] (d{i}.pdf): bad signature (InvalidSignatureException)") for i in range(5)]
    failed.insert(2, ("files[9] (x.pdf)", "files[9] (x.pdf): content is empty"))
    assert messages.failures_summary(failed, 10) == (
        "6 of 10 files failed: bad signature (InvalidSignatureException) (5 files: files[0] (d0.pdf), files[1] (d1.pdf), "
        "files[2] (d2.pdf) and 2 more); files[9] (x.pdf): content is empty"
    )


class _Error:
    def __init__(self, exception):
        self.exception = exception


class _ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": "m"}}


class NoCredentialsError(Exception):
    pass


def test_hints_never_for_credentials_access_or_unknown_ids():
    assert messages.hint_helps(_Error(None))
    assert messages.hint_helps(_Error(_ClientError("ValidationException")))
    for code in ("AccessDeniedException", "InvalidSignatureException", "UnrecognizedClientException", "ResourceNotFoundException"):
        assert not messages.hint_helps(_Error(_ClientError(code))), code
    assert not messages.hint_helps(_Error(NoCredentialsError("Unable to locate credentials")))


def test_warn_uses_the_wrapped_ansible_module():
    said = []

    class Core:
        def warn(self, message):
            said.append(("core", message))

    class Wrapper:
        _module = Core()

        def warn(self, message):
            said.append(("wrapper", message))

    messages.warn(Wrapper(), "careful")
    assert said == [("core", "careful")]
