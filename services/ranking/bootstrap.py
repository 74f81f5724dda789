from services.ranking.http import routes
from services.ranking.national import NOMINATIONS, Nominations
from services.ranking.plenary import Shortlist
from services.ranking.publication import ProvincialResults
from services.ranking.progress import PROGRESS, CandidateProgress
from services.ranking.projections import STANDINGS, Standings
from services.ranking.rebuild import digests_of
from services.ranking.scenarios import SCENARIOS, Exclusions, ScenarioBook, Scenarios
from services.ranking.trail import AUDIT_TRAILS, AuditTrail
from shared.board_status import BOARD_STATUS, BoardStatus
from shared.directory import CYCLES, CycleDirectory
from shared.generations import ReadModels
from shared.http import create_app
from shared.panel import PANELLISTS, PanelDirectory
from shared.projection import project
from shared.runtime import ServiceSpec
from shared.shortlists import SHORTLISTS, Shortlists

READ_MODELS = frozenset(
    {CYCLES, PANELLISTS, STANDINGS, SHORTLISTS, BOARD_STATUS, NOMINATIONS, AUDIT_TRAILS, SCENARIOS, PROGRESS}
)

spec = ServiceSpec(
    name="ranking",
    aggregates=[Shortlist(), ProvincialResults(), Scenarios(), Exclusions()],
    follows=["registration", "evidence", "scoring", "interview", "ranking"],
    read_models=ReadModels(
        collections=READ_MODELS,
        projections=lambda store: [
            project(CycleDirectory(), store),
            project(PanelDirectory(), store),
            project(Standings(), store),
            project(Shortlists(), store),
            project(BoardStatus(), store),
            project(Nominations(), store),
            project(AuditTrail(), store),
            project(ScenarioBook(), store),
            project(CandidateProgress(), store),
        ],
        digests=digests_of(READ_MODELS),
        indexes={
            STANDINGS: ["cycle_id", "category_id", "province"],
            SHORTLISTS: ["cycle_id", "category_id"],
            NOMINATIONS: ["cycle_id", "category_id"],
            SCENARIOS: ["cycle_id"],
            PROGRESS: ["cycle_id", "province"],
        },
    ),
    stream_module="services.ranking.stream",
)


def app():
    return create_app(spec, routes)
