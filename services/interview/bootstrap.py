from services.interview.domain import CandidateInterview
from services.interview.http import routes
from shared.board_status import BoardStatus
from shared.directory import CandidateDirectory, CycleDirectory
from shared.http import create_app
from shared.panel import PanelDirectory
from shared.projection import project
from shared.runtime import ServiceSpec
from shared.shortlists import Shortlists

spec = ServiceSpec(
    name="interview",
    aggregates=[CandidateInterview()],
    follows=["registration", "ranking"],
    reactions=lambda rt: [
        project(projection, rt.store)
        for projection in (CycleDirectory(), CandidateDirectory(), PanelDirectory(), Shortlists(), BoardStatus())
    ],
)


def app():
    return create_app(spec, routes)
