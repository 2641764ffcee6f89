"""Default identities, resources and limits of a fresh localconnect server.

Everything here can be overridden with a seed document (see ``seed.py``); the
values are importable so tests and playbooks can refer to them by name.
"""

REGION = "us-east-1"
PARTITION = "aws"
ACCOUNT_ID = "123456789012"

# Credentials accepted on the control plane (Connect API).
ACCESS_KEY = "AKIALOCALCONNECT0001"
SECRET_KEY = "localconnect/test/secret/key/000000000000"

# Access key id of the server-side key that pre-signs upload/download URLs. Its secret is generated
# at every start (operations.py) and never leaves the process: a URL cannot be forged from this file.
S3_ACCESS_KEY = "AKIALOCALCONNECTS3S3"
BUCKET = "amazon-connect-attachments-" + ACCOUNT_ID

INSTANCE_ID = "11111111-1111-4111-8111-111111111111"
CASES_DOMAIN_ID = "22222222-2222-4222-8222-222222222222"
CASE_IDS = ["case-0001", "case-0002", "case-0003"]
# A custom case field of each default case (field id "legacy_id"), as a CRM migration would keep it.
CASE_LEGACY_IDS = ["CRM-1001", "CRM-1002", "CRM-1003"]
CONTACT_IDS = ["33333333-3333-4333-8333-333333333333"]  # email contacts
TASK_CONTACT_IDS = ["55555555-5555-4555-8555-555555555555"]
VOICE_CONTACT_IDS = ["66666666-6666-4666-8666-666666666666"]  # completed, subtype connect:Telephony

ATTACHMENT_SCOPES = ("EMAIL", "CHAT", "CASE", "TASK")
MAXIMUM_SIZE_LIMIT_IN_BYTES = 20971520
# AWS feature limits: an email attachment is at most 20 MB; the EMAIL scope can be lowered, not raised.
EMAIL_MAXIMUM_SIZE_LIMIT_IN_BYTES = 20971520
ALLOWED_EXTENSIONS = (
    "csv", "doc", "docx", "heic", "jfif", "jpeg", "jpg", "mov", "mp4", "pdf",
    "png", "ppt", "pptx", "rtf", "txt", "wav", "xls", "xlsx",
)

SCAN_DELAY = 1.0
URL_EXPIRY_SECONDS = 300
MAX_CLOCK_SKEW_SECONDS = 15 * 60

# The EICAR anti-virus test string: a completed upload containing it is REJECTED.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def case_arn(case_id, domain_id=CASES_DOMAIN_ID, region=REGION, account_id=ACCOUNT_ID):
    """ARN of a Connect Cases case."""
    return "arn:%s:cases:%s:%s:domain/%s/case/%s" % (PARTITION, region, account_id, domain_id, case_id)


def instance_arn(instance_id=INSTANCE_ID, region=REGION, account_id=ACCOUNT_ID):
    """ARN of a Connect instance."""
    return "arn:%s:connect:%s:%s:instance/%s" % (PARTITION, region, account_id, instance_id)


def contact_arn(contact_id, instance_id=INSTANCE_ID, region=REGION, account_id=ACCOUNT_ID):
    """ARN of an (email) contact of a Connect instance."""
    return "%s/contact/%s" % (instance_arn(instance_id, region, account_id), contact_id)


def file_arn(file_id, instance_id=INSTANCE_ID, region=REGION, account_id=ACCOUNT_ID):
    """ARN of an attached file."""
    return "%s/file/%s" % (instance_arn(instance_id, region, account_id), file_id)


def default_scope_configuration():
    """A fresh copy of the default attached-files configuration of one scope."""
    return {
        "MaximumSizeLimitInBytes": MAXIMUM_SIZE_LIMIT_IN_BYTES,
        "AllowedExtensions": list(ALLOWED_EXTENSIONS),
    }
