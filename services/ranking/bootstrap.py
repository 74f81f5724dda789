from services.ranking.http import routes
from services.ranking.projections import STANDINGS, Standings
from shared.directory import CycleDirectory
from shared.http import create_app
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="ranking",
    follows=["registration", "evidence", "scoring", "interview"],
    reactions=lambda rt: [project(CycleDirectory(), rt.store), project(Standings(), rt.store)],
    indexes={STANDINGS: ["cycle_id", "category_id", "province"]},
    stream_module="services.ranking.stream",
)


def app():
    return create_app(spec, routes)
