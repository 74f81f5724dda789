from services.registration.domain import Candidate, Cycle
from services.registration.http import routes
from services.registration.people import Person
from shared.http import create_app
from shared.runtime import ServiceSpec

spec = ServiceSpec(name="registration", aggregates=[Cycle(), Candidate(), Person()])


def app():
    return create_app(spec, routes)
