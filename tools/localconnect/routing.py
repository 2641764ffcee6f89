"""Match an incoming method + path to an operation of a botocore service model.

Routes are derived from each operation's ``http.method`` and ``requestUri``
(``/attached-files/{InstanceId}/{FileId}``, greedy ``{Key+}`` labels and
literal query keys such as ``/path?tagging``) rather than written by hand.
"""

from urllib.parse import unquote


class Route:
    """One operation's HTTP binding."""

    def __init__(self, service_model, operation_model):
        self.service_model = service_model
        self.operation_model = operation_model
        http = operation_model.http
        self.method = http["method"].upper()
        uri = http["requestUri"]
        path, _sep, query = uri.partition("?")
        self.query_literals = []
        for pair in filter(None, query.split("&")):
            key, _sep, value = pair.partition("=")
            self.query_literals.append((key, value or None))
        self.segments = []
        for segment in path.strip("/").split("/") if path.strip("/") else []:
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                greedy = name.endswith("+")
                self.segments.append(("label", name.rstrip("+"), greedy))
            else:
                self.segments.append(("literal", segment, False))
        # Literal segments are more specific than labels: try them first.
        self.specificity = (
            sum(1 for segment in self.segments if segment[0] == "literal"),
            len(self.query_literals),
            len(self.segments),
        )

    @property
    def name(self):
        """Operation name."""
        return self.operation_model.name

    def match(self, method, raw_path, query_pairs):
        """Return the decoded URI labels when this route matches, else None."""
        if method != self.method:
            return None
        keys = dict(query_pairs)
        for key, value in self.query_literals:
            if key not in keys or (value is not None and keys[key] != value):
                return None
        parts = raw_path.strip("/").split("/") if raw_path.strip("/") else []
        labels = {}
        index = 0
        for kind, name, greedy in self.segments:
            if index >= len(parts):
                return None
            if kind == "literal":
                if parts[index] != name:
                    return None
                index += 1
            elif greedy:
                labels[name] = unquote("/".join(parts[index:]))
                index = len(parts)
            else:
                value = unquote(parts[index])
                if not value:
                    return None
                labels[name] = value
                index += 1
        if index != len(parts):
            return None
        return labels


class Router:
    """Routes of a set of operations of one or more service models."""

    def __init__(self):
        self._routes = []

    def add_service(self, service_model, operation_names):
        """Route the given operations that ``service_model`` has.

        An older botocore's model lacks the newer operations (CreateAttachedFile before 1.43.38): the endpoint
        then does not serve them, as the service looks to a client of that botocore.
        """
        known = set(service_model.operation_names)
        for name in operation_names:
            if name in known:
                self._routes.append(Route(service_model, service_model.operation_model(name)))
        self._routes.sort(key=lambda route: route.specificity, reverse=True)

    @property
    def operation_names(self):
        """Names of all routed operations."""
        return [route.name for route in self._routes]

    @property
    def operation_models(self):
        """``{operation name: operation model}`` of all routed operations."""
        return {route.name: route.operation_model for route in self._routes}

    def match(self, method, raw_path, query_pairs):
        """Return ``(route, labels)`` for the request, or ``(None, None)``."""
        for route in self._routes:
            labels = route.match(method, raw_path, query_pairs)
            if labels is not None:
                return route, labels
        return None, None
