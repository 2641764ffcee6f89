"""The emulated account: instances, cases, contacts, files, tokens and related items.

All mutation happens under ``World.lock``. File status moves
PENDING_UPLOAD -> PROCESSING (CompleteAttachedFileUpload) -> APPROVED or
REJECTED once ``scan_delay`` seconds have passed; the transition is evaluated
lazily whenever a file is read (``refresh``), no background thread needed.
"""

import threading

from localconnect import defaults

PENDING_UPLOAD = "PENDING_UPLOAD"
PROCESSING = "PROCESSING"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
# What Start shows for a deleted file whose token stays bound to it (mode token_after_delete=bound).
DELETED_STATUS = "DELETED"


class FileRecord:  # pylint: disable=too-many-instance-attributes
    """One attached file."""

    def __init__(self, **fields):
        self.file_id = fields["file_id"]
        self.file_arn = fields["file_arn"]
        self.instance_id = fields["instance_id"]
        self.associated_resource_arn = fields["associated_resource_arn"]
        self.client_token = fields.get("client_token")
        self.file_name = fields["file_name"]
        self.file_size_in_bytes = fields["file_size_in_bytes"]
        self.file_use_case_type = fields["file_use_case_type"]
        self.created_by = fields.get("created_by")
        self.tags = fields.get("tags")
        self.creation_time = fields["creation_time"]
        self.status = PENDING_UPLOAD
        self.completed_at = None
        self.deleted = False
        self.sha256 = None
        self.stored_size = None
        self.etag = None
        self.content_type = None
        self.content_disposition = None
        self.upload_count = 0

    def snapshot(self):
        """JSON form for GET /_localconnect/state."""
        return {
            "file_id": self.file_id,
            "file_arn": self.file_arn,
            "instance_id": self.instance_id,
            "associated_resource_arn": self.associated_resource_arn,
            "client_token": self.client_token,
            "file_name": self.file_name,
            "file_size_in_bytes": self.file_size_in_bytes,
            "file_use_case_type": self.file_use_case_type,
            "file_status": self.status,
            "created_by": self.created_by,
            "tags": self.tags,
            "sha256": self.sha256,
            "stored_size": self.stored_size,
            "upload_count": self.upload_count,
            "deleted": self.deleted,
        }


class RelatedItem:  # pylint: disable=too-few-public-methods
    """One Connect Cases related item (type File)."""

    def __init__(self, **fields):
        self.related_item_id = fields["related_item_id"]
        self.domain_id = fields["domain_id"]
        self.case_id = fields["case_id"]
        self.type = fields["type"]
        self.file_arn = fields["file_arn"]
        self.performed_by = fields.get("performed_by")
        self.association_time = fields["association_time"]

    def snapshot(self):
        """JSON form for GET /_localconnect/state."""
        return {
            "related_item_id": self.related_item_id,
            "domain_id": self.domain_id,
            "case_id": self.case_id,
            "type": self.type,
            "file_arn": self.file_arn,
            "performed_by": self.performed_by,
        }


class World:  # pylint: disable=too-many-instance-attributes
    """Resources, files and idempotency tokens of the emulated account."""

    def __init__(self, seed, store, clock, scan_delay):
        self.lock = threading.RLock()
        self.store = store
        self.clock = clock
        self._startup_seed = seed
        self._default_scan_delay = scan_delay
        self.credentials = {}
        self.instances = {}
        self.domains = {}
        self.domain_instances = {}
        self.contacts = set()
        self.scan_delay = scan_delay
        self.modes = {}
        self.files = {}
        self.tokens = {}
        # (instance, token) -> the first StartAttachedFileUpload response (mode start_with_known_token=replay)
        self.first_responses = {}
        self.related_items = []
        self.quotas = {}
        self.reset()

    def reset(self, seed=None):
        """Forget files and tokens; restore ``seed`` (default: the startup seed).

        The scan delay becomes the seed's ``scan_delay`` when a seed document
        with one is given, else the startup value.
        """
        chosen = (seed or self._startup_seed).copy()
        with self.lock:
            self.credentials = chosen.credentials
            self.instances = chosen.instances
            self.domains = chosen.domains
            self.domain_instances = chosen.domain_instances
            self.contacts = chosen.contacts
            self.quotas = chosen.quotas
            # behaviour modes: the startup ones (defaults, startup seed, --mode), then the given seed's
            self.modes = dict(self._startup_seed.effective_modes())
            if seed is not None:
                self.modes.update(seed.modes)
            if seed is not None and seed.scan_delay is not None:
                self.scan_delay = seed.scan_delay
            else:
                self.scan_delay = self._default_scan_delay
            self.files = {}
            self.tokens = {}
            self.first_responses = {}
            self.related_items = []
            self.store.clear()

    def lookup_credentials(self, access_key):
        """``(secret, session_token)`` of an access key, or None."""
        with self.lock:
            return self.credentials.get(access_key)

    def forget_tokens(self):
        """Empty the idempotency table (the replay window has passed)."""
        with self.lock:
            self.tokens = {}
            self.first_responses = {}

    def refresh(self, record):
        """Apply the scan outcome once ``scan_delay`` has passed since Complete."""
        with self.lock:
            if record.status != PROCESSING or record.deleted:
                return record
            if self.clock.now() < record.completed_at + self.scan_delay:
                return record
            if self.store.contains(record.file_id, defaults.EICAR):
                record.status = REJECTED
                self.store.delete(record.file_id)
                record.sha256 = None
                record.stored_size = None
            else:
                record.status = APPROVED
            return record

    def file_by_arn(self, file_arn):
        """The file record with this ARN (deleted ones included), or None."""
        with self.lock:
            record = self.files.get(file_arn.rsplit("/", 1)[-1])
            return record if record is not None and record.file_arn == file_arn else None

    def delete_related_items(self, file_arn):
        """Remove the related items of a file (DeleteAttachedFile does this on a case)."""
        with self.lock:
            self.related_items = [item for item in self.related_items if item.file_arn != file_arn]

    def snapshot_related_items(self):
        """State-document form of every related item, oldest first."""
        with self.lock:
            return [item.snapshot() for item in self.related_items]

    def snapshot_files(self):
        """State-document form of every file (scan outcomes applied)."""
        with self.lock:
            return [self.refresh(record).snapshot() for record in self.files.values()]
