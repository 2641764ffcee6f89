"""Amazon Connect attached-file semantics.

One method per operation; each takes the validated input parameters (member
names of the model's input shape) and returns a dict shaped like the output
shape. Errors are raised as ``ApiError`` with codes the operation's model
lists. See README.md for the rules implemented here.
"""

import copy
import json
import mimetypes
import re
import secrets
import uuid
from urllib.parse import quote, unquote

from localconnect import defaults, modes, quotas, sigv4
from localconnect.clock import iso8601
from localconnect.contacts import TASK_MAX_ATTACHMENTS, UPLOAD_SCOPES, ContactOperations
from localconnect.errors import ApiError
from localconnect.recordings import RecordingOperations
from localconnect.service import EmulatedService
from localconnect.servicemodel import not_found_error_code, validation_error_code
from localconnect.state import APPROVED, PENDING_UPLOAD, PROCESSING, REJECTED, FileRecord

_CASE_ARN_RE = re.compile(r"^arn:([a-z-]+):cases:([a-z0-9-]+):(\d{12}):domain/([^/]+)/case/([^/]+)$")
_CONTACT_ARN_RE = re.compile(r"^arn:([a-z-]+):connect:([a-z0-9-]+):(\d{12}):instance/([^/]+)/contact/([^/]+)$")
REASON_KEY = "AttachedFileInvalidRequestExceptionReason"
# Input members whose validation failure carries a Reason on StartAttachedFileUpload.
_START_REASONS = {"FileName": "INVALID_FILE_NAME", "FileSizeInBytes": "INVALID_FILE_SIZE"}


def content_disposition(kind, file_name):
    """``attachment; filename="x"`` (RFC 6266), RFC 5987 ``filename*`` for non-ASCII names (ASCII only)."""
    return modes.content_disposition({"non_ascii_headers": "rfc5987"}, kind, file_name)


def file_extension(file_name):
    """Lower-cased text after the last dot, or None when there is no dot."""
    if "." not in file_name:
        return None
    return file_name.rsplit(".", 1)[1].lower()


class AttachedFilesService(EmulatedService):
    """The seven attached-file operations (plus ListAttachedFilesConfigurations)."""

    def __init__(self, world, upload_base_url, region=defaults.REGION, account_id=defaults.ACCOUNT_ID):
        self.world = world
        self.upload_base_url = upload_base_url
        self.region = region
        self.account_id = account_id
        # The pre-signing secret is made per start: nobody can forge an upload or download URL from a known constant.
        self.key_pair = (defaults.S3_ACCESS_KEY, secrets.token_urlsafe(30))
        self.bucket = defaults.BUCKET
        self.handlers = {
            "StartAttachedFileUpload": self.start_attached_file_upload,
            "CompleteAttachedFileUpload": self.complete_attached_file_upload,
            "GetAttachedFile": self.get_attached_file,
            "BatchGetAttachedFileMetadata": self.batch_get_attached_file_metadata,
            "DeleteAttachedFile": self.delete_attached_file,
            "DescribeAttachedFilesConfiguration": self.describe_attached_files_configuration,
            "UpdateAttachedFilesConfiguration": self.update_attached_files_configuration,
            "ListAttachedFilesConfigurations": self.list_attached_files_configurations,
        }
        # DescribeContact (contacts.py) and CreateAttachedFile (recordings.py) live in their own files.
        self.handlers.update(ContactOperations(world, region, account_id).handlers())
        self.handlers.update(RecordingOperations(self).handlers())

    @staticmethod
    def validation_reason(operation_model, issues):
        """``Reason`` for a validation failure, where Connect gives one."""
        if operation_model.name == "StartAttachedFileUpload":
            for issue in issues:
                if issue.top_member in _START_REASONS:
                    return {REASON_KEY: _START_REASONS[issue.top_member]}
        return None

    # ----------------------------------------------------------- helpers --

    @staticmethod
    def _invalid(operation_model, message, reason=None):
        return ApiError(validation_error_code(operation_model), message,
                        reason={REASON_KEY: reason} if reason else None)

    @staticmethod
    def _not_found(operation_model, message):
        return ApiError(not_found_error_code(operation_model), message)

    def _instance(self, operation_model, instance_id):
        scopes = self.world.instances.get(instance_id)
        if scopes is None:
            raise self._not_found(operation_model, "Instance not found: %s" % instance_id)
        return scopes

    def _resource_scope(self, operation_model, instance_id, arn):
        """Attachment scope of a valid AssociatedResourceArn (400 naming the problem otherwise)."""
        case = _CASE_ARN_RE.match(arn)
        contact = _CONTACT_ARN_RE.match(arn)
        match = case or contact
        if match is None:
            raise self._invalid(operation_model, "AssociatedResourceArn must be a case ARN "
                                "(arn:aws:cases:<region>:<account>:domain/<domainId>/case/<caseId>) or an email contact "
                                "ARN (arn:aws:connect:<region>:<account>:instance/<instanceId>/contact/<contactId>)")
        partition, region, account, parent, child = match.groups()
        if partition != defaults.PARTITION or region != self.region:
            raise self._invalid(operation_model, "AssociatedResourceArn is not in partition %s region %s"
                                % (defaults.PARTITION, self.region))
        if account != self.account_id:
            raise self._invalid(operation_model, "AssociatedResourceArn belongs to another account than %s"
                                % self.account_id)
        if case:
            if parent not in self.world.domains:
                raise self._invalid(operation_model, "AssociatedResourceArn names an unknown Cases domain: %s" % parent)
            if child not in self.world.domains[parent]:
                raise self._invalid(operation_model, "AssociatedResourceArn names an unknown case: %s" % child)
            refusal = modes.domain_refusal(self.world.modes, self.world.domain_instances, parent, instance_id)
            if refusal:
                raise self._invalid(operation_model, refusal)
            return "CASE"
        if parent != instance_id:
            raise self._invalid(operation_model, "AssociatedResourceArn is a contact of another instance: %s" % parent)
        contact = self.world.contacts.get((parent, child))
        if contact is None:
            raise self._invalid(operation_model, "AssociatedResourceArn names an unknown contact: %s" % child)
        return contact.channel if contact.channel not in UPLOAD_SCOPES else UPLOAD_SCOPES[contact.channel]

    def _file(self, operation_model, params, allow_deleted=False):
        """The file named by InstanceId + AssociatedResourceArn + FileId, or 404."""
        instance_id = params["InstanceId"]
        self._instance(operation_model, instance_id)
        self._resource_scope(operation_model, instance_id, params["AssociatedResourceArn"])
        record = self._owned_record(instance_id, params["AssociatedResourceArn"], params["FileId"])
        if record is None or (record.deleted and not allow_deleted):
            raise self._not_found(operation_model, "File not found: %s" % params["FileId"])
        return self.world.refresh(record)

    def _owned_record(self, instance_id, arn, file_id):
        record = self.world.files.get(file_id)
        if record is None or record.instance_id != instance_id or record.associated_resource_arn != arn:
            return None
        return record

    def object_path(self, record):
        """Path of a file's object on the upload plane."""
        return "/%s/connect/%s/Attachments/%s/%s" % (
            self.bucket, quote(record.instance_id, safe=""), record.file_id, quote(record.file_name, safe=""))

    def locate_object(self, raw_path):
        """Record whose object lives at ``raw_path`` (deleted ones included), or None."""
        parts = raw_path.split("/")
        if len(parts) < 7 or parts[0] or unquote(parts[1]) != self.bucket:
            return None
        if unquote(parts[2]) != "connect" or unquote(parts[4]) != "Attachments":
            return None
        with self.world.lock:
            record = self.world.files.get(unquote(parts[5]))
            if record is None or record.instance_id != unquote(parts[3]):
                return None
            if record.file_name != unquote("/".join(parts[6:])):
                return None
            return self.world.refresh(record)

    def _upload_headers(self, record):
        content_type = mimetypes.guess_type(record.file_name, strict=False)[0] or "application/octet-stream"
        return {
            "Content-Type": content_type,
            "Content-Length": str(record.file_size_in_bytes),
            "Content-Disposition": modes.content_disposition(self.world.modes, "attachment", record.file_name),
            "x-amz-acl": "bucket-owner-full-control",
            "x-amz-server-side-encryption": "AES256",
            "x-amz-expected-bucket-owner": self.account_id,
            "x-amz-meta-file-id": record.file_id,
        }

    def _metadata(self, record):
        return {
            "FileArn": record.file_arn,
            "FileId": record.file_id,
            "CreationTime": iso8601(record.creation_time),
            "FileStatus": modes.reported_status(self.world.modes, record.status),
            "FileName": record.file_name,
            "FileSizeInBytes": record.file_size_in_bytes,
            "AssociatedResourceArn": record.associated_resource_arn,
            "FileUseCaseType": record.file_use_case_type,
            "CreatedBy": record.created_by,
            "Tags": record.tags,
        }

    # -------------------------------------------------------- operations --

    def start_attached_file_upload(self, operation_model, params):
        """StartAttachedFileUpload."""
        instance_id = params["InstanceId"]
        arn = params["AssociatedResourceArn"]
        with self.world.lock:
            scopes = self._instance(operation_model, instance_id)
            scope = self._resource_scope(operation_model, instance_id, arn)
            if scope not in scopes:
                raise self._invalid(operation_model, "AssociatedResourceArn is a %s contact: uploaded files attach to "
                                    "cases, email contacts and task contacts only" % scope)
            if params["FileUseCaseType"] != "ATTACHMENT":
                raise self._invalid(operation_model, "FileUseCaseType %s is not supported for attached files; use "
                                    "ATTACHMENT" % params["FileUseCaseType"])
            token = params.get("ClientToken")
            fingerprint = json.dumps([arn, params["FileName"], params["FileSizeInBytes"], params["FileUseCaseType"],
                                      params.get("CreatedBy"), params.get("Tags")], sort_keys=True)
            key = (instance_id, token)
            known = self.world.tokens.get(key) if token is not None else None
            if known is not None and self.world.files[known[1]].deleted and modes.frees_tokens_on_delete(self.world.modes):
                known = None  # token_after_delete switched to freed after the deletion
            if known is not None:
                if known[0] != fingerprint:
                    raise ApiError("ResourceConflictException", "ClientToken was already used with different "
                                   "parameters for this instance")
                record = self.world.refresh(self.world.files[known[1]])
                # modes start_with_known_token and token_after_delete: replay, fresh answer or conflict
                if modes.known_token_answer(self.world.modes, record) == "replay" and key in self.world.first_responses:
                    return copy.deepcopy(self.world.first_responses[key])
                return self._start_response(record, params, modes.status_of_known(self.world.modes, record))
            self._check_task_attachments(arn, scope)
            record = self._create(operation_model, params, scopes[scope], scope)
            response = self._start_response(record, params, modes.reported_status(self.world.modes, record.status))
            if token is not None:
                self.world.tokens[key] = (fingerprint, record.file_id)
                self.world.first_responses[key] = copy.deepcopy(response)
            return response

    def _start_response(self, record, params, status):
        """Start's answer for ``record``: ``status`` and a freshly signed upload URL."""
        now = self.world.clock.now()
        expires = params.get("UrlExpiryInSeconds") or defaults.URL_EXPIRY_SECONDS
        headers = self._upload_headers(record)
        url = sigv4.presign("PUT", self.upload_base_url, self.object_path(record), headers,
                            self.key_pair, self.region, expires, now)
        return {
            "FileArn": record.file_arn,
            "FileId": record.file_id,
            "CreationTime": iso8601(record.creation_time),
            "FileStatus": status,
            "CreatedBy": record.created_by,
            "UploadUrlMetadata": {"Url": url, "UrlExpiry": iso8601(now + expires), "HeadersToInclude": headers},
        }

    def _check_task_attachments(self, arn, scope):
        """A task takes at most TASK_MAX_ATTACHMENTS files (AWS feature limits); 402 beyond."""
        if scope != "TASK":
            return
        held = [record for record in self.world.files.values()
                if record.associated_resource_arn == arn and not record.deleted and record.status != REJECTED]
        if len(held) >= TASK_MAX_ATTACHMENTS:
            raise ApiError("ServiceQuotaExceededException",
                           "A task can have at most %d attached files" % TASK_MAX_ATTACHMENTS,
                           reason={"AttachedFileServiceQuotaExceededExceptionReason": "TOTAL_FILE_COUNT_EXCEEDED"})

    def _create(self, operation_model, params, config, scope):
        size = params["FileSizeInBytes"]
        if size > config["MaximumSizeLimitInBytes"]:
            raise self._invalid(operation_model, "FileSizeInBytes %d exceeds the maximum of %d bytes for %s "
                                "attachments" % (size, config["MaximumSizeLimitInBytes"], scope), "INVALID_FILE_SIZE")
        extension = file_extension(params["FileName"])
        allowed = {item.lower() for item in config["AllowedExtensions"]}
        if extension is None or extension not in allowed:
            raise self._invalid(operation_model, "File extension %s is not allowed for %s attachments"
                                % ("'%s'" % extension if extension is not None else "(none)", scope),
                                "INVALID_FILE_TYPE")
        quotas.check_new_file(self.world.quotas, self.world.files.values(), params["AssociatedResourceArn"], size)
        file_id = str(uuid.uuid4())
        record = FileRecord(
            file_id=file_id,
            file_arn=defaults.file_arn(file_id, params["InstanceId"], self.region, self.account_id),
            instance_id=params["InstanceId"],
            associated_resource_arn=params["AssociatedResourceArn"],
            client_token=params.get("ClientToken"),
            file_name=params["FileName"],
            file_size_in_bytes=size,
            file_use_case_type=params["FileUseCaseType"],
            created_by=params.get("CreatedBy"),
            tags=params.get("Tags"),
            creation_time=self.world.clock.now(),
        )
        self.world.files[file_id] = record
        return record

    def complete_attached_file_upload(self, operation_model, params):
        """CompleteAttachedFileUpload."""
        with self.world.lock:
            record = self._file(operation_model, params, allow_deleted=True)
            if record.deleted:
                raise self._invalid(operation_model, "File %s was deleted" % record.file_id)
            if record.status == REJECTED:
                raise self._invalid(operation_model, "File %s was rejected by the scan" % record.file_id)
            refusal = modes.refuse_second_complete(self.world.modes, record)
            if refusal:
                raise self._invalid(operation_model, refusal)
            stored = self.world.store.size(record.file_id)
            if stored is None:
                raise self._invalid(operation_model, "The file's object not uploaded")
            if stored != record.file_size_in_bytes:
                raise self._invalid(operation_model, "The uploaded object has %d bytes but FileSizeInBytes is %d"
                                    % (stored, record.file_size_in_bytes))
            if record.status == PENDING_UPLOAD:
                record.status = PROCESSING
                record.completed_at = self.world.clock.now()
                self.world.refresh(record)
            return {}

    def get_attached_file(self, operation_model, params):
        """GetAttachedFile: DownloadUrlMetadata only for APPROVED files."""
        with self.world.lock:
            record = self._file(operation_model, params)
            result = self._metadata(record)
            if record.status == APPROVED:
                now = self.world.clock.now()
                expires = params.get("UrlExpiryInSeconds") or defaults.URL_EXPIRY_SECONDS
                extra = {}
                if params.get("UrlContentDisposition"):
                    extra["response-content-disposition"] = content_disposition(
                        params["UrlContentDisposition"].lower(), record.file_name)
                url = sigv4.presign("GET", self.upload_base_url, self.object_path(record), {},
                                    self.key_pair, self.region, expires, now, params=extra)
                result["DownloadUrlMetadata"] = {"Url": url, "UrlExpiry": iso8601(now + expires)}
            return result

    def batch_get_attached_file_metadata(self, operation_model, params):
        """BatchGetAttachedFileMetadata: unknown ids go to Errors."""
        instance_id = params["InstanceId"]
        arn = params["AssociatedResourceArn"]
        with self.world.lock:
            self._instance(operation_model, instance_id)
            self._resource_scope(operation_model, instance_id, arn)
            files, errors, seen = [], [], set()
            for file_id in params["FileIds"]:
                if file_id in seen:
                    continue
                seen.add(file_id)
                record = self._owned_record(instance_id, arn, file_id)
                if record is None or record.deleted:
                    errors.append({"ErrorCode": "ResourceNotFoundException",
                                   "ErrorMessage": "File not found", "FileId": file_id})
                else:
                    files.append(self._metadata(self.world.refresh(record)))
            return {"Files": files, "Errors": errors}

    def delete_attached_file(self, operation_model, params):
        """DeleteAttachedFile: removes the object; the token becomes free again."""
        with self.world.lock:
            record = self._file(operation_model, params)
            self.world.store.delete(record.file_id)
            record.deleted = True
            self.world.delete_related_items(record.file_arn)
            record.sha256 = None
            record.stored_size = None
            if modes.frees_tokens_on_delete(self.world.modes):
                for key, known in list(self.world.tokens.items()):
                    if known[1] == record.file_id:
                        del self.world.tokens[key]
                        self.world.first_responses.pop(key, None)
            return {}

    @staticmethod
    def _configuration(instance_id, scope, config, with_time=True):
        result = {
            "InstanceId": instance_id,
            "AttachmentScope": scope,
            "MaximumSizeLimitInBytes": config["MaximumSizeLimitInBytes"],
            "ExtensionConfiguration": {
                "AllowedExtensions": [{"Extension": extension} for extension in config["AllowedExtensions"]]},
        }
        if with_time and config.get("LastModifiedTime") is not None:
            result["LastModifiedTime"] = config["LastModifiedTime"]
        return result

    def describe_attached_files_configuration(self, operation_model, params):
        """DescribeAttachedFilesConfiguration."""
        with self.world.lock:
            scopes = self._instance(operation_model, params["InstanceId"])
            scope = params["AttachmentScope"]
            return {"AttachedFilesConfiguration": self._configuration(params["InstanceId"], scope, scopes[scope])}

    def update_attached_files_configuration(self, operation_model, params):
        """UpdateAttachedFilesConfiguration."""
        with self.world.lock:
            scopes = self._instance(operation_model, params["InstanceId"])
            config = scopes[params["AttachmentScope"]]
            size = params.get("MaximumSizeLimitInBytes")
            email_limit = defaults.EMAIL_MAXIMUM_SIZE_LIMIT_IN_BYTES
            if params["AttachmentScope"] == "EMAIL" and size is not None and size > email_limit:
                raise ApiError("InvalidParameterException", "MaximumSizeLimitInBytes %d: an email attachment can be at "
                               "most %d bytes; the EMAIL scope can be lowered, not raised"
                               % (size, email_limit))
            if params.get("MaximumSizeLimitInBytes") is not None:
                config["MaximumSizeLimitInBytes"] = params["MaximumSizeLimitInBytes"]
            if params.get("ExtensionConfiguration") is not None:
                config["AllowedExtensions"] = [item["Extension"]
                                               for item in params["ExtensionConfiguration"]["AllowedExtensions"]]
            config["LastModifiedTime"] = self.world.clock.now()
            return self._configuration(params["InstanceId"], params["AttachmentScope"], config)

    def list_attached_files_configurations(self, operation_model, params):
        """ListAttachedFilesConfigurations (NextToken is an offset)."""
        with self.world.lock:
            scopes = self._instance(operation_model, params["InstanceId"])
            items = [self._configuration(params["InstanceId"], scope, scopes[scope], with_time=False)
                     for scope in defaults.ATTACHMENT_SCOPES]
        start = 0
        if params.get("NextToken") is not None:
            if not params["NextToken"].isdigit() or int(params["NextToken"]) >= len(items):
                raise self._invalid(operation_model, "NextToken is not valid")
            start = int(params["NextToken"])
        limit = params.get("MaxResults") or 100
        result = {"AttachedFilesConfigurations": items[start:start + limit]}
        if start + limit < len(items):
            result["NextToken"] = str(start + limit)
        return result

    # ------------------------------------------------------ upload plane --

    def record_upload(self, record, stored, content_type, disposition):
        """Note a successful PUT of a file's object."""
        with self.world.lock:
            record.sha256 = stored.sha256
            record.stored_size = stored.size
            record.etag = stored.md5
            record.content_type = content_type
            record.content_disposition = disposition
            record.upload_count += 1

    def downloadable(self, record):
        """True when the file is APPROVED and its object exists."""
        with self.world.lock:
            self.world.refresh(record)
            return record.status == APPROVED and not record.deleted and self.world.store.exists(record.file_id)
