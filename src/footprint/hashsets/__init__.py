"""Known-hash sets: the record model, category schemes, importers/exporters and the store."""

from footprint.hashsets.formats import ImportOptions
from footprint.hashsets.model import ImportReport, KnownHash, SetKind, UnifiedCategory
from footprint.hashsets.service import export_set, import_file, import_files
from footprint.hashsets.store import HashSetInfo, KnownHashStore, SetNotFound

__all__ = [
    "HashSetInfo",
    "ImportOptions",
    "ImportReport",
    "KnownHash",
    "KnownHashStore",
    "SetKind",
    "SetNotFound",
    "UnifiedCategory",
    "export_set",
    "import_file",
    "import_files",
]
