"""Project configuration: YAML authoring specs and the runtime project compiled from them."""

from observatory.config.models import DatasetSpec, ProjectSpec, SourceSpec
from observatory.config.project import PROJECT_FILE, STATE_DIR, Dataset, Project, Source, load_project

__all__ = [
    "PROJECT_FILE",
    "STATE_DIR",
    "Dataset",
    "DatasetSpec",
    "Project",
    "ProjectSpec",
    "Source",
    "SourceSpec",
    "load_project",
]
