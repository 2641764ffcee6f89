"""Exceptions that become HTTP error responses.

``ApiError`` is rendered by the control plane as a restJson error (status from
the model's error shape unless given, ``x-amzn-ErrorType`` header, JSON body).
``S3Error`` is rendered by the upload plane as S3's XML error document.
"""


class ApiError(Exception):
    """A Connect API error.

    :param code: error code, e.g. ``InvalidRequestException``; when the code is
        an error shape of the service model its HTTP status is taken from there.
    :param message: human readable message (never a URL, query or secret).
    :param status: explicit HTTP status, for errors outside the model
        (authentication errors).
    :param reason: value of the ``Reason`` member, for error shapes that have one.
    """

    def __init__(self, code, message, status=None, reason=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason


class S3Error(Exception):
    """An S3-style error of the upload plane."""

    def __init__(self, status, code, message, close=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.close = close


class DropConnection(Exception):
    """Close the client's connection without sending any response."""
