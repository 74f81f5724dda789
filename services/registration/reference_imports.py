"""Reference data versions imported through the API: a base version's provinces and regencies
with the villages of a CSV file.

The file is checked row by row as it streams in (`VillageFile`); only a clean file is stored,
by its SHA-256, and recorded as `ReferenceDataImported` by the version's aggregate
(`ReferenceDataVersion`), which refuses a version imported before, a shipped version's name and
an unknown base. `resolve` then gives any version's regions, shipped or imported, so a cycle
may pin an imported version and its village candidates are checked against its villages.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, Field

from services.registration import reference
from services.registration.reference import ReferenceData, Regency
from shared.blobs import BlobStore, Corrupted
from shared.bulk import LineFedFile
from shared.commands import Aggregate, CommandBody, Rejected
from shared.contracts.base import Id
from shared.contracts.registration import ReferenceDataImported
from shared.ports import Unavailable
from shared.processor import stored_aggregate
from shared.projection import Projection, View
from shared.settings import Settings

KIND = "reference-data"
MAX_FILE_BYTES = 64 * 1024 * 1024  # the shipped villages file is 2.5 MB


class ImportVillages(CommandBody):
    """Record a new reference data version: the base version's provinces and regencies, and the
    villages of a stored CSV file (checked row by row before this command is sent)."""

    NAME = "ImportVillages"
    version: str = Id
    base_version: str = Id
    villages: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0)
    imported_by: str = Field(min_length=1, max_length=128)

    def aggregate_id(self) -> str:
        return self.version


class VersionState(BaseModel):
    imported: ReferenceDataImported | None = None


class VersionContext(BaseModel):
    base_known: bool = False  # the base is shipped, or was imported before


class ReferenceDataVersion(Aggregate[VersionState]):
    kind = KIND
    state_type = VersionState
    commands = (ImportVillages,)

    async def context(self, command, store) -> VersionContext:
        return VersionContext(base_known=await is_known(store, command.base_version))

    def decide(self, command, state, context: VersionContext):
        if command.version in reference.KNOWN_VERSIONS:
            raise Rejected("shipped_reference_data", f"{command.version} is shipped with the service; name another")
        if state.imported is not None:
            raise Rejected("reference_data_already_imported", f"{command.version} was imported already; a version"
                           " never changes: import the new file as a new version")
        if not context.base_known:
            raise Rejected("unknown_base_version", f"no reference data version {command.base_version} to base"
                           f" {command.version} on; shipped: {', '.join(reference.KNOWN_VERSIONS)}", 422)
        return [ReferenceDataImported(**command.model_dump())]

    def evolve(self, state, event):
        return VersionState(imported=event)


async def imported(store, version: str) -> ReferenceDataImported | None:
    """The import that made `version`, from this service's own state (never a lagging copy)."""
    doc = await stored_aggregate(store, f"{KIND}/{version}")
    return VersionState.model_validate(doc["state"]).imported if doc else None


async def is_known(store, version: str) -> bool:
    return version in reference.KNOWN_VERSIONS or await imported(store, version) is not None


# checking a villages file -----------------------------------------------------------------------

class VillageFile(LineFedFile):
    """Checks a villages CSV (columns code, regency_code, name) fed line by line: each row on its own
    (`reference.village_problem`), its regency in the base, no code twice. Keeps the villages of
    the good rows and a report of the bad ones."""

    columns, key_column, rows_called = tuple(reference.VILLAGE_COLUMNS), "code", "village rows"

    def __init__(self, regencies: Mapping[str, Regency] | None) -> None:
        super().__init__()
        self._regencies = regencies  # None: a stored file, checked when it was imported
        self.names: dict[str, str] = {}

    @property
    def accepted(self) -> int:
        return len(self.names)

    def check(self, row: list[str]) -> None:
        code, regency_code, name = row
        problem = reference.village_problem(row)
        if problem is None and self._regencies is not None and regency_code not in self._regencies:
            problem = "unknown_regency", f"no regency/city {regency_code} in the base version"
        if problem is None and code in self.names:
            problem = "duplicate_in_file", f"village {code} appears twice"
        if problem is not None:
            self.reject(code, *problem)
            return
        self.names[code] = name


# resolving a version ----------------------------------------------------------------------------

def blobs_root(settings: Settings) -> Path:
    """Where registration keeps imported files (on the scale path, a volume its instances share)."""
    return settings.data_dir / f"{settings.namespace}-registration-blobs"


@dataclass(frozen=True)
class VillageSource:
    """Villages of any version: a shipped version's from its folder, an imported one's from its file."""

    blobs_root: Path

    def imported(self, sha256: str) -> Mapping[str, str]:
        """Raises Unavailable when the file is missing or no longer has its hash: deciding waits
        (as for an unreachable store) until the blob store is repaired."""
        try:
            return _stored_villages(self.blobs_root, sha256)
        except (LookupError, Corrupted) as exc:
            raise Unavailable(f"imported reference data unreadable: {exc}") from exc


@functools.lru_cache(maxsize=4)
def _stored_villages(root: Path, sha256: str) -> Mapping[str, str]:
    """Village code -> name of a stored file, its hash checked first; once per process and file."""
    text = BlobStore(root).verified(sha256).read_text(encoding="utf-8-sig")
    check = VillageFile(regencies=None)
    for line in text.split("\n"):
        check.feed(line)
    if check.rejected_total:
        raise ValueError(f"stored villages file {sha256} has bad rows: {check.rejected[:3]}")
    return MappingProxyType(check.names)


async def resolve(store, version: str, villages: VillageSource | None = None) -> ReferenceData | None:
    """The regions of a shipped or imported version (None if unknown), with its villages when a
    source is given."""
    if version in reference.KNOWN_VERSIONS:
        return reference.load_with_villages(version) if villages else reference.load(version)
    event = await imported(store, version)
    base = await resolve(store, event.base_version) if event else None
    if event is None or base is None:
        return None
    names = villages.imported(event.sha256) if villages else None
    return ReferenceData(version, base.provinces, base.regencies, names, event.base_version)


# the versions known, for GET /reference-data ----------------------------------------------------

REFERENCE_VERSIONS = "reference_versions"


class ReferenceVersions(Projection):
    """Imported versions, to list them (deciding reads the aggregates, never this copy)."""

    collection = REFERENCE_VERSIONS

    def doc_id(self, envelope, event):
        return event.version if isinstance(event, ReferenceDataImported) else None

    def apply(self, view: View, envelope, event) -> View:
        return {**event.model_dump(mode="json"), "imported_at": envelope.occurred_at.isoformat()}
