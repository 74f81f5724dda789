from services.evidence.domain import CandidateEvidence
from services.evidence.membership_data import MembershipScreening, MembershipSnapshot
from services.evidence.http import routes
from services.evidence.inbound import inbound_loops
from shared.directory import CandidateDirectory, CycleDirectory
from shared.http import create_app
from shared.projection import project
from shared.runtime import ServiceSpec

spec = ServiceSpec(
    name="evidence",
    aggregates=[CandidateEvidence(), MembershipSnapshot(), MembershipScreening()],
    follows=["registration"],
    reactions=lambda rt: [project(CycleDirectory(), rt.store), project(CandidateDirectory(), rt.store)],
    loops=inbound_loops,
)


def app():
    return create_app(spec, routes)
