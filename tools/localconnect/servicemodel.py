"""Access to botocore's service models, which define the emulated API.

Shapes, URIs, limits, error codes and HTTP status codes all come from the
model installed with botocore, so the server follows the model when botocore
is upgraded.
"""

import functools

import botocore.session


@functools.lru_cache(maxsize=None)
def load_service_model(service_name):
    """Load (once) botocore's model of ``service_name``."""
    return botocore.session.get_session().get_service_model(service_name)


def error_status(service_model, code, default=400):
    """HTTP status that the model gives the error shape ``code``."""
    try:
        shape = service_model.shape_for(code)
    except Exception:  # pylint: disable=broad-except
        # botocore raises NoShapeFoundError; any failure means "not modelled".
        return default
    error = shape.metadata.get("error") or {}
    return int(error.get("httpStatusCode", default))


def error_members(service_model, code):
    """Member names of the error shape ``code`` (empty when not modelled)."""
    try:
        shape = service_model.shape_for(code)
    except Exception:  # pylint: disable=broad-except
        return ()
    return tuple(getattr(shape, "members", {}) or ())


def operation_error_codes(operation_model):
    """Names of the error shapes an operation declares."""
    return [shape.name for shape in operation_model.error_shapes]


def validation_error_code(operation_model):
    """Error code the operation uses for invalid input, as its model lists it."""
    codes = operation_error_codes(operation_model)
    for candidate in ("InvalidRequestException", "InvalidParameterException", "ValidationException"):
        if candidate in codes:
            return candidate
    return "InvalidRequestException"


def not_found_error_code(operation_model):
    """ResourceNotFoundException when the operation may return it, else its validation error."""
    if "ResourceNotFoundException" in operation_error_codes(operation_model):
        return "ResourceNotFoundException"
    return validation_error_code(operation_model)


def internal_error_code(service_model):
    """The model's name for a transient server error (Connect: InternalServiceException, Cases: InternalServerException)."""
    for candidate in ("InternalServiceException", "InternalServerException"):
        try:
            service_model.shape_for(candidate)
        except Exception:  # pylint: disable=broad-except
            continue
        return candidate
    return "InternalServiceException"
