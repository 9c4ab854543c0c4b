"""Structured logging (structlog) to stderr; quiet unless asked."""

from __future__ import annotations

import logging
import sys

import structlog


class _Stderr:
    """Whatever ``sys.stderr`` is at the time of writing (tests and the CLI runner swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(verbose: bool = False) -> None:
    """Log events at INFO when ``verbose``, else WARNING and above, to stderr."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=_Stderr(), format="%(message)s")
    # Splink and uk_address_matcher narrate every training step; keep them to errors unless verbose
    for chatty in ("splink", "uk_address_matcher"):
        logging.getLogger(chatty).setLevel(level if verbose else logging.ERROR)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback),
        ],
    )
