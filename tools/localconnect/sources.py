"""Objects in the emulated customer S3 buckets, the sources CreateAttachedFile copies (``recordings.py``).

Seeded through ``POST /_localconnect/objects``; a reset removes them.
"""

import re

_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$")


def parse_s3_uri(uri):
    """``(bucket, key)`` of an ``s3://bucket/key`` URI, or None."""
    match = _S3_URI.match(uri or "")
    return (match.group(1), match.group(2)) if match else None


class SourceObjects:
    """Objects in the emulated customer S3 buckets that CreateAttachedFile copies from."""

    def __init__(self):
        self._objects = {}

    def put(self, uri, data):
        """Store ``data`` (bytes) at ``uri``; ValueError for a URI that is not s3://bucket/key."""
        if parse_s3_uri(uri) is None:
            raise ValueError("uri must be s3://<bucket>/<key>, got %r" % (uri,))
        self._objects[uri] = bytes(data)

    def get(self, uri):
        """The object's bytes, or None."""
        return self._objects.get(uri)

    def clear(self):
        """Remove every object."""
        self._objects = {}

    def snapshot(self):
        """``[{"uri", "size"}]`` for the state document."""
        return [{"uri": uri, "size": len(data)} for uri, data in sorted(self._objects.items())]
