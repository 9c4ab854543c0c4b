"""One streaming pass over a file: its sha256, size, line count and text encoding.

Detection is deterministic and explainable:

- a UTF-8 byte-order mark → ``utf-8-sig``; bytes that are valid UTF-8 → ``utf-8``;
- bytes that are not UTF-8 and contain no valid multi-byte UTF-8 sequence are a legacy
  single-byte export: ``windows-1252`` if any byte is in 0x80–0x9F (curly quotes, dashes,
  the euro sign: printable only in Windows-1252), otherwise ``latin-1`` (ISO-8859-1);
- a file that mixes valid UTF-8 sequences with invalid bytes is refused: the byte offset,
  line and bytes are reported, since any single decoding would corrupt part of it.

A declared encoding is checked strictly, and undecodable bytes are reported the same way.
Nothing is ever silently replaced.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from observatory.errors import EncodingError

CHUNK = 16 * 1024 * 1024
BOM = codecs.BOM_UTF8
_C1 = re.compile(rb"[\x80-\x9f]")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file found."""

    path: Path
    sha256: str
    size: int
    encoding: str
    newlines: int
    ends_with_newline: bool
    reason: str


@dataclass
class _Failure:
    offset: int
    line: int
    snippet: bytes


class _Utf8Check:
    """Incremental strict UTF-8 validation that remembers where it first failed."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.multibyte_seen = False
        self.failure: _Failure | None = None

    def feed(self, chunk: bytes, offset: int, lines_before: int, final: bool) -> None:
        if self.failure is not None or (chunk.isascii() and not final):
            return
        try:
            text = self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            self.multibyte_seen = self.multibyte_seen or not chunk[: exc.start].isascii()
            position = offset + exc.start
            line = lines_before + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
            self.failure = _Failure(position, line, chunk[max(exc.start - 20, 0) : exc.end + 20])
            return
        self.multibyte_seen = self.multibyte_seen or not text.isascii()


def scan_file(path: Path, declared: str = "auto") -> FileScan:
    """Hash, count lines and detect (or check) the encoding of ``path`` in one streaming pass."""
    digest = hashlib.sha256()
    size = newlines = 0
    utf8 = _Utf8Check()
    has_c1 = has_undefined = False
    first = last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk[:3]
            digest.update(chunk)
            utf8.feed(chunk, size, newlines, final=False)
            if not chunk.isascii():
                has_c1 = has_c1 or _C1.search(chunk) is not None
                has_undefined = has_undefined or _CP1252_UNDEFINED.search(chunk) is not None
            size += len(chunk)
            last = chunk[-1:]
            newlines += chunk.count(b"\n")
        utf8.feed(b"", size, newlines, final=True)
    encoding, reason = _choose(path, declared, first, utf8, has_c1, has_undefined)
    return FileScan(path, digest.hexdigest(), size, encoding, newlines, last == b"\n", reason)


def _choose(
    path: Path, declared: str, first: bytes, utf8: _Utf8Check, has_c1: bool, has_undefined: bool
) -> tuple[str, str]:
    failure = utf8.failure
    if declared in ("utf-8", "utf-8-sig"):
        if failure is not None:
            raise _undecodable(path, failure, declared)
        return ("utf-8-sig" if first.startswith(BOM) else "utf-8"), "declared"
    if declared == "windows-1252":
        if has_undefined:
            raise EncodingError(
                "declared windows-1252, but the file has bytes Windows-1252 does not define (0x81, 0x8D, 0x8F, "
                "0x90 or 0x9D); declare latin-1 if the file really is ISO-8859-1",
                file=str(path),
            )
        return declared, "declared"
    if declared == "latin-1":
        return declared, "declared"
    if failure is None:
        if first.startswith(BOM):
            return "utf-8-sig", "UTF-8 byte-order mark"
        return "utf-8", "valid UTF-8" if utf8.multibyte_seen else "ASCII (valid UTF-8)"
    if utf8.multibyte_seen:
        raise EncodingError(
            f"mixed encodings: the file has valid UTF-8 text but byte {failure.offset} is not UTF-8 "
            f"(bytes {failure.snippet!r}); fix the export or declare the encoding in the source YAML",
            file=str(path),
            line=failure.line,
        )
    if has_c1 and not has_undefined:
        return "windows-1252", f"not UTF-8 (first at byte {failure.offset}); bytes 0x80-0x9F are Windows-1252 text"
    return "latin-1", f"not UTF-8 (first at byte {failure.offset}); no Windows-1252-only bytes, so ISO-8859-1"


def _undecodable(path: Path, failure: _Failure, encoding: str) -> EncodingError:
    return EncodingError(
        f"byte {failure.offset} does not decode as {encoding} (bytes {failure.snippet!r}); nothing was loaded",
        file=str(path),
        line=failure.line,
    )


def transcode_to_utf8(source: Path, encoding: str, target: Path) -> None:
    """Stream ``source`` from a legacy single-byte encoding into UTF-8 at ``target`` (strict)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            writer.write(decoder.decode(chunk).encode("utf-8"))
        writer.write(decoder.decode(b"", final=True).encode("utf-8"))
