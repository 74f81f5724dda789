from services.registration.domain import Candidate, Cycle
from services.registration.http import routes
from shared.http import create_app
from shared.runtime import ServiceSpec

spec = ServiceSpec(name="registration", aggregates=[Cycle(), Candidate()])


def app():
    return create_app(spec, routes)
