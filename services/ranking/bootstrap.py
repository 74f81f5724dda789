from services.ranking.http import routes
from services.ranking.plenary import Shortlist
from shared.shortlists import SHORTLISTS, Shortlists
from services.ranking.projections import STANDINGS, Standings
from shared.directory import CycleDirectory
from shared.http import create_app
from shared.panel import PanelDirectory
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="ranking",
    aggregates=[Shortlist()],
    follows=["registration", "evidence", "scoring", "interview", "ranking"],
    reactions=lambda rt: [
        project(CycleDirectory(), rt.store),
        project(PanelDirectory(), rt.store),
        project(Standings(), rt.store),
        project(Shortlists(), rt.store),
    ],
    indexes={STANDINGS: ["cycle_id", "category_id", "province"], SHORTLISTS: ["cycle_id", "category_id"]},
    stream_module="services.ranking.stream",
)


def app():
    return create_app(spec, routes)
