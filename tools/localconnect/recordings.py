"""``CreateAttachedFile``: Connect copies a voice recording from S3 into its own storage.

The S3 side is emulated by *source objects*, seeded through the test-control API
(``POST /_localconnect/objects``) and kept until the next reset. Rules (from the operation's
documentation in the model; the error codes are those the model lists):

- ``FileUseCaseType`` must be ``VOICE_RECORDING`` (400 InvalidRequestException otherwise);
- ``FileSourceUri`` must be an ``s3://<bucket>/<key>`` URI of an object that exists (400);
- ``AssociatedResourceArn`` must be a contact of the instance that is a completed voice
  contact of subtype ``connect:Telephony`` (400 naming what it is instead);
- ``ClientToken`` idempotency as for Start: the same token and parameters return the same
  file, other parameters 409 ResourceConflictException.

The new file is PROCESSING and becomes APPROVED after ``scan_delay`` (the copy and scan are
not instant in the service either), or REJECTED when the object holds the EICAR string.
Its name is the last segment of the key, its size the object's.
"""

import io
import json
import uuid

from localconnect import defaults
from localconnect.clock import iso8601
from localconnect.errors import ApiError
from localconnect.sources import parse_s3_uri
from localconnect.state import PROCESSING, FileRecord

VOICE_RECORDING = "VOICE_RECORDING"


class RecordingOperations:
    """``CreateAttachedFile``, as a handler of the Connect service (``AttachedFilesService``)."""

    def __init__(self, service):
        self.service = service
        self.world = service.world

    def handlers(self):
        """``{operation name: method}`` to merge into the service's handlers."""
        return {"CreateAttachedFile": self.create_attached_file}

    def _invalid(self, operation_model, message):
        return self.service._invalid(operation_model, message)  # pylint: disable=protected-access

    def _check_contact(self, operation_model, instance_id, arn):
        service = self.service
        scope = service._resource_scope(operation_model, instance_id, arn)  # pylint: disable=protected-access
        if scope == "CASE":
            raise self._invalid(operation_model, "AssociatedResourceArn must be a completed voice contact, not a case")
        contact = self.world.contacts[(instance_id, arn.rsplit("/", 1)[-1])]
        if contact.channel != "VOICE":
            raise self._invalid(operation_model, "AssociatedResourceArn must be a completed voice contact; contact %s is "
                                "a %s contact" % (contact.contact_id, contact.channel))
        if not contact.is_completed_voice_call:
            raise self._invalid(operation_model, "AssociatedResourceArn must be a completed voice contact of subtype %s; "
                                "contact %s is %s, subtype %s" % (
                                    "connect:Telephony", contact.contact_id,
                                    "completed" if contact.completed else "not completed", contact.subtype))

    def create_attached_file(self, operation_model, params):
        """CreateAttachedFile."""
        instance_id = params["InstanceId"]
        arn = params["AssociatedResourceArn"]
        uri = params["FileSourceUri"]
        with self.world.lock:
            self.service._instance(operation_model, instance_id)  # pylint: disable=protected-access
            self._check_contact(operation_model, instance_id, arn)
            if params["FileUseCaseType"] != VOICE_RECORDING:
                raise self._invalid(operation_model, "FileUseCaseType %s is not supported; only VOICE_RECORDING"
                                    % params["FileUseCaseType"])
            location = parse_s3_uri(uri)
            if location is None:
                raise self._invalid(operation_model, "FileSourceUri must be an S3 URI (s3://<bucket>/<key>)")
            token = params.get("ClientToken")
            fingerprint = json.dumps(["CreateAttachedFile", arn, uri, params["FileUseCaseType"], params.get("Tags")],
                                     sort_keys=True)
            known = self.world.tokens.get((instance_id, token)) if token is not None else None
            if known is not None:
                if known[0] != fingerprint:
                    raise ApiError("ResourceConflictException", "ClientToken was already used with different "
                                   "parameters for this instance")
                record = self.world.refresh(self.world.files[known[1]])
            else:
                data = self.world.source_objects.get(uri)
                if data is None:
                    raise self._invalid(operation_model, "FileSourceUri %s: the object does not exist (NoSuchKey in "
                                        "bucket %s)" % (uri, location[0]))
                if not data:
                    raise self._invalid(operation_model, "FileSourceUri %s: the object is empty" % uri)
                record = self._create(params, location[1].rsplit("/", 1)[-1], data)
                if token is not None:
                    self.world.tokens[(instance_id, token)] = (fingerprint, record.file_id)
            return {
                "FileArn": record.file_arn,
                "FileId": record.file_id,
                "CreationTime": iso8601(record.creation_time),
                "FileStatus": record.status,
            }

    def _create(self, params, file_name, data):
        file_id = str(uuid.uuid4())
        now = self.world.clock.now()
        record = FileRecord(
            file_id=file_id,
            file_arn=defaults.file_arn(file_id, params["InstanceId"], self.service.region, self.service.account_id),
            instance_id=params["InstanceId"],
            associated_resource_arn=params["AssociatedResourceArn"],
            client_token=params.get("ClientToken"),
            file_name=file_name,
            file_size_in_bytes=len(data),
            file_use_case_type=params["FileUseCaseType"],
            created_by=None,
            tags=params.get("Tags"),
            creation_time=now,
            source_uri=params["FileSourceUri"],
        )
        stored = self.world.store.write(file_id, io.BytesIO(data), len(data))
        record.sha256 = stored.sha256
        record.stored_size = stored.size
        record.etag = stored.md5
        record.status = PROCESSING
        record.completed_at = now
        self.world.files[file_id] = record
        return record
