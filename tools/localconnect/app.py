"""Wiring: one object that both listeners share."""

from localconnect import defaults
from localconnect.cases import CasesService
from localconnect.chaos import Chaos
from localconnect.clock import Clock
from localconnect.faults import UPLOAD_OPERATIONS, FaultTable
from localconnect.operations import AttachedFilesService
from localconnect.pacing import Pacing
from localconnect.routing import Router
from localconnect.servicemodel import load_service_model
from localconnect.state import World
from localconnect.storage import ObjectStore
from localconnect.telemetry import Telemetry
from localconnect.testcontrol import TestControl
from localconnect.validation import shape_patterns


class App:  # pylint: disable=too-many-instance-attributes
    """The emulated service: model, router, state, counters and faults."""

    def __init__(self, seed, data_dir, scan_delay, endpoint_url, upload_url, region=defaults.REGION):
        self.region = region
        self.endpoint_url = endpoint_url
        self.upload_url = upload_url
        self.control_url = endpoint_url + "/_localconnect"
        self.clock = Clock()
        self.service_model = load_service_model("connect")
        self.world = World(seed, ObjectStore(data_dir), self.clock, scan_delay)
        self.service = AttachedFilesService(self.world, upload_url, region=region)
        self.cases = CasesService(self.world, region=region)
        # Each API by its botocore model; a request must be signed for the service whose route it matches.
        self.services = {"connect": self.service, "connectcases": self.cases}
        self.router = Router()
        for name, service in self.services.items():
            self.router.add_service(load_service_model(name), service.operation_names)
        self.signing_names = {load_service_model(name).signing_name for name in self.services}
        self.faults = FaultTable(self.router.operation_names)
        self.pacing = Pacing(self.router.operation_names, UPLOAD_OPERATIONS)
        self.chaos = Chaos(list(self.router.operation_names) + list(UPLOAD_OPERATIONS))
        # --allow-remote: the test-control API then answers any Host (it checks for a loopback Host otherwise)
        self.allow_remote = False
        self.telemetry = Telemetry(sorted(self.router.operation_names) + list(UPLOAD_OPERATIONS))
        self.test_control = TestControl(self)

    def service_for(self, route):
        """The emulated service that implements a route's operation."""
        return self.services[route.service_model.service_name]

    def model_patterns(self):
        """Every pattern the routed operations' inputs use."""
        found = set()
        route_models = self.router.operation_models
        for name in self.router.operation_names:
            shape = route_models[name].input_shape
            if shape is not None:
                found |= shape_patterns(shape)
        return found
