"""The exception tree. Every error a user can cause is an ``ObservatoryError``.

    ObservatoryError            a user-facing message; ``status`` for the web
    ├── ConfigError             project YAML is wrong; carries every ``ConfigIssue`` found
    ├── IngestError             a file or table cannot be read as asked; names file, line and reason
    │   └── EncodingError       bytes that do not decode; names the byte offset and line
    ├── NotFoundError           a source, dataset, load or project that does not exist
    ├── EngineError             the warehouse engine is missing, busy or misconfigured
    └── AccessError             the signed-in user may not do this (403); ``code`` says why
        └── SignInRequiredError      nobody is signed in (401)

The CLI prints ``message`` and exits 2; the API returns ``{"error": {...}}`` with ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass


class ObservatoryError(Exception):
    """Root of every error Observatory raises on purpose."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        """The one JSON error shape used by the API and ``--json`` output."""
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a project file: where it is, what is wrong, what is allowed."""

    file: str
    line: int | None
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.problem}" if self.field else f"{where}: {self.problem}"


class ConfigError(ObservatoryError):
    """The project configuration has one or more problems, all reported together."""

    code = "config_error"

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        count = len(issues)
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the project configuration:\n{lines}")

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        error = data["error"]
        assert isinstance(error, dict)
        error["issues"] = [issue.__dict__ for issue in self.issues]
        return data


class IngestError(ObservatoryError):
    """A source cannot be read as configured."""

    code = "ingest_error"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(f"{where}{message}")
        self.file = file
        self.line = line


class EncodingError(IngestError):
    """Bytes that do not decode in the detected or declared encoding."""

    code = "encoding_error"


class NotFoundError(ObservatoryError):
    """Something named by the user does not exist."""

    status = 404
    code = "not_found"


class EngineError(ObservatoryError):
    """The warehouse engine is unavailable or misconfigured."""

    status = 500
    code = "engine_error"


class AccessError(ObservatoryError):
    """The user may not do this: their role does not allow it, a purpose is missing, or a form's CSRF token."""

    status = 403
    code = "forbidden"

    def __init__(self, message: str, *, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


class SignInRequiredError(AccessError):
    """Nobody is signed in (or the session expired)."""

    status = 401

    def __init__(self, message: str = "Sign in to see this page.") -> None:
        super().__init__(message, code="sign_in_required")
