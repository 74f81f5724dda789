from services.registration.domain import Candidate, Cycle
from services.registration.http import routes
from services.registration.people import Person
from services.registration.reference_imports import ReferenceDataVersion, ReferenceVersions, VillageSource, blobs_root
from shared.http import create_app
from shared.projection import project
from shared.runtime import ServiceSpec
from shared.settings import Settings


def build_spec(settings: Settings) -> ServiceSpec:
    """Registration decides cycles, candidates, people and imported reference data versions, and
    follows its own events only to list the imported versions."""
    villages = VillageSource(blobs_root(settings))
    return ServiceSpec(
        name="registration",
        aggregates=[Cycle(), Candidate(villages), Person(), ReferenceDataVersion()],
        follows=["registration"],
        reactions=lambda rt: [project(ReferenceVersions(), rt.store)],
    )


spec = build_spec(Settings())  # what tools read (launcher, AsyncAPI); app() builds its own at start-up


def app():
    settings = Settings()
    return create_app(build_spec(settings), routes, settings)
