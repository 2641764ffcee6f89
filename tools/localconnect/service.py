"""What every emulated API has in common: operations dispatched by name from ``handlers``."""


class EmulatedService:
    """Base of the emulated services; a subclass fills ``self.handlers`` ({operation name: method})."""

    handlers = {}

    @property
    def operation_names(self):
        """Operations this service implements."""
        return list(self.handlers)

    def handle(self, operation_model, params):
        """Run one operation with its validated input; returns a dict shaped like its output."""
        return self.handlers[operation_model.name](operation_model, params)

    @staticmethod
    def validation_reason(_operation_model, _issues):
        """``Reason`` member for a validation failure; none unless the service overrides this."""
        return None
