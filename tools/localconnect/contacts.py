"""Contacts of the emulated instances: their channel, and ``DescribeContact``.

A seeded contact has a channel (``EMAIL``, ``TASK``, ``CHAT`` or ``VOICE``; EMAIL when the
seed gives none), a subtype (``connect:Telephony`` for voice contacts unless the seed says
otherwise) and is completed (disconnected) unless the seed sets ``"completed": false``.

The attachment scope of a contact follows its channel (inferred: the scope exists only in
the configuration APIs): EMAIL and TASK contacts take uploaded files under their scope, a
task at most ``TASK_MAX_ATTACHMENTS``; a voice contact takes only recordings
(``CreateAttachedFile``, ``recordings.py``).
"""

from localconnect import defaults
from localconnect.errors import ApiError

CHANNELS = ("VOICE", "CHAT", "TASK", "EMAIL")
# Channels whose contacts take files uploaded with StartAttachedFileUpload, and their scope.
UPLOAD_SCOPES = {"EMAIL": "EMAIL", "TASK": "TASK"}
TASK_MAX_ATTACHMENTS = 5  # AWS feature limits: a task has at most 5 attachments
TELEPHONY = "connect:Telephony"


class ContactRecord:  # pylint: disable=too-few-public-methods
    """One contact of an instance."""

    def __init__(self, instance_id, contact_id, channel="EMAIL", subtype=None, completed=True):
        self.instance_id = instance_id
        self.contact_id = contact_id
        self.channel = channel
        self.subtype = subtype if subtype is not None else (TELEPHONY if channel == "VOICE" else "connect:%s" % channel.title())
        self.completed = completed

    @property
    def is_completed_voice_call(self):
        """A completed voice contact of subtype Telephony: what CreateAttachedFile accepts."""
        return self.channel == "VOICE" and self.subtype == TELEPHONY and self.completed


def default_contacts():
    """The contacts a fresh server has: ``{(instance_id, contact_id): ContactRecord}``."""
    contacts = {}
    for channel, ids in (("EMAIL", defaults.CONTACT_IDS), ("TASK", defaults.TASK_CONTACT_IDS),
                         ("VOICE", defaults.VOICE_CONTACT_IDS)):
        for contact_id in ids:
            contacts[(defaults.INSTANCE_ID, contact_id)] = ContactRecord(defaults.INSTANCE_ID, contact_id, channel)
    return contacts


def parse_contact(item, require):
    """A ContactRecord from one seed entry; ``require(condition, message)`` raises SeedError."""
    ids = []
    for key in ("instance_id", "contact_id"):
        value = item.get(key)
        require(isinstance(value, str) and value, "contact needs a non-empty string %r" % key)
        ids.append(value)
    unknown = set(item) - {"instance_id", "contact_id", "channel", "subtype", "completed"}
    require(not unknown, "unknown contact keys: %s" % ", ".join(sorted(unknown)))
    channel = item.get("channel", "EMAIL")
    require(channel in CHANNELS, "contact channel must be one of %s, got %r" % (", ".join(CHANNELS), channel))
    subtype = item.get("subtype")
    require(subtype is None or (isinstance(subtype, str) and subtype), "contact subtype must be a non-empty string")
    completed = item.get("completed", True)
    require(isinstance(completed, bool), "contact completed must be true or false")
    return ContactRecord(ids[0], ids[1], channel, subtype, completed)


class ContactOperations:
    """``DescribeContact``, as a handler of the Connect service (``AttachedFilesService``)."""

    def __init__(self, world, region, account_id):
        self.world = world
        self.region = region
        self.account_id = account_id

    def handlers(self):
        """``{operation name: method}`` to merge into the service's handlers."""
        return {"DescribeContact": self.describe_contact}

    def describe_contact(self, _operation_model, params):
        """DescribeContact: the fields localconnect knows (Arn, Id, Channel, subtype, times)."""
        instance_id, contact_id = params["InstanceId"], params["ContactId"]
        with self.world.lock:
            if instance_id not in self.world.instances:
                raise ApiError("ResourceNotFoundException", "Instance not found: %s" % instance_id)
            contact = self.world.contacts.get((instance_id, contact_id))
            if contact is None:
                raise ApiError("ResourceNotFoundException", "Contact not found: %s" % contact_id)
            started = self.world.clock.now() - 3600
        result = {
            "Arn": defaults.contact_arn(contact_id, instance_id, self.region, self.account_id),
            "Id": contact_id,
            "InitialContactId": contact_id,
            "Channel": contact.channel,
            "InitiationMethod": "API" if contact.channel == "TASK" else "INBOUND",
            "InitiationTimestamp": started,
            "LastUpdateTimestamp": started + 600,
            "SegmentAttributes": {"connect:Subtype": {"ValueString": contact.subtype}},
        }
        if contact.completed:
            result["DisconnectTimestamp"] = started + 600
        return {"Contact": result}
