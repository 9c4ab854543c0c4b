"""Observatory: a governed data platform for UK councils and their partners."""

from observatory.errors import ConfigError, EncodingError, EngineError, IngestError, NotFoundError, ObservatoryError
from observatory.platform import Observatory

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "EncodingError",
    "EngineError",
    "IngestError",
    "NotFoundError",
    "Observatory",
    "ObservatoryError",
    "__version__",
]
