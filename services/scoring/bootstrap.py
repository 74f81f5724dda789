from services.scoring.domain import CandidateScores
from services.scoring.evidence_index import EvidenceIndex
from services.scoring.http import routes
from services.scoring.policy import follow_evidence
from shared.board_status import BoardStatus
from shared.directory import CandidateDirectory, CycleDirectory
from shared.http import create_app
from shared.panel import PanelDirectory
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="scoring",
    aggregates=[CandidateScores()],
    follows=["registration", "evidence", "ranking"],
    reactions=lambda rt: [
        project(CycleDirectory(), rt.store),
        project(CandidateDirectory(), rt.store),
        project(PanelDirectory(), rt.store),
        project(EvidenceIndex(), rt.store),
        project(BoardStatus(), rt.store),
        follow_evidence(rt),
    ],
)


def app():
    return create_app(spec, routes)
