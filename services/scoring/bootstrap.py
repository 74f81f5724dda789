from services.scoring.domain import CandidateScores
from services.scoring.http import routes
from services.scoring.policy import score_coverage_figures
from shared.directory import CandidateDirectory, CycleDirectory
from shared.http import create_app
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="scoring",
    aggregates=[CandidateScores()],
    follows=["registration", "evidence"],
    reactions=lambda rt: [
        project(CycleDirectory(), rt.store),
        project(CandidateDirectory(), rt.store),
        score_coverage_figures(rt),
    ],
)


def app():
    return create_app(spec, routes)
