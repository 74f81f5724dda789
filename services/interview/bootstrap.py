from services.interview.domain import CandidateInterview
from services.interview.http import routes
from shared.directory import CandidateDirectory, CycleDirectory
from shared.http import create_app
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="interview",
    aggregates=[CandidateInterview()],
    follows=["registration"],
    reactions=lambda rt: [project(CycleDirectory(), rt.store), project(CandidateDirectory(), rt.store)],
)


def app():
    return create_app(spec, routes)
