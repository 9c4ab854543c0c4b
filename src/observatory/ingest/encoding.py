"""One streaming pass over a file: its sha256, size, line count and text encoding.

Detection is deterministic and explainable:

- a UTF-8 byte-order mark → ``utf-8-sig``; bytes that are valid UTF-8 → ``utf-8``;
- other bytes that are not UTF-8 are a legacy single-byte export: ``windows-1252`` if any
  byte is in 0x80–0x9F (curly quotes, dashes, the euro sign: printable only in
  Windows-1252), otherwise ``latin-1`` (ISO-8859-1);
- a file that is not valid UTF-8 but whose non-ASCII bytes mostly (more than half) form
  valid UTF-8 sequences is a mixed file and is refused: the byte offset, line and bytes of
  the first invalid byte are reported, since any single decoding would corrupt part of it.
  (A Windows-1252 "CAFÉ’S" happens to be a valid UTF-8 pair; one such pair among other
  legacy bytes does not make a file mixed.)

A declared encoding is checked strictly, and undecodable bytes are reported the same way.
Nothing is ever silently replaced.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
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


_ASCII = bytes(range(128))
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
"""Well-formed multi-byte UTF-8 sequences (RFC 3629: no overlong forms, no surrogates)."""


def _high_bytes(data: bytes) -> int:
    """How many bytes are 0x80 or above."""
    return len(data.translate(None, _ASCII))


class _Utf8Check:
    """Incremental strict UTF-8 validation that remembers where it first failed.

    It also weighs the evidence for a mixed file: how many non-ASCII bytes form valid UTF-8
    sequences (all of them before the first failure; by pattern after it).
    """

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.failure: _Failure | None = None
        self.high_bytes = 0
        self.utf8_bytes = 0

    @property
    def multibyte_seen(self) -> bool:
        return self.utf8_bytes > 0

    @property
    def mostly_utf8(self) -> bool:
        """More than half of the non-ASCII bytes form valid UTF-8 sequences."""
        return self.utf8_bytes * 2 > self.high_bytes

    def feed(self, chunk: bytes, offset: int, lines_before: int, final: bool) -> None:
        """Check ``chunk`` (starting at byte ``offset`` after ``lines_before`` newlines)."""
        high = 0 if chunk.isascii() else _high_bytes(chunk)
        if self.failure is not None:
            self.high_bytes += high
            self.utf8_bytes += sum(len(m) for m in _UTF8_SEQUENCE.findall(chunk))
            return
        pending = self.decoder.getstate()[0]
        if not pending and not high and not final:
            return
        try:
            self.decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            data = pending + chunk
            position = offset - len(pending) + exc.start
            line = lines_before + data.count(b"\n", 0, exc.start) + 1
            self.failure = _Failure(position, line, data[max(exc.start - 20, 0) : exc.end + 20])
            before, after = data[: exc.start], data[exc.start :]
            self.high_bytes += _high_bytes(before) + _high_bytes(after)
            self.utf8_bytes += _high_bytes(before)
            self.utf8_bytes += sum(len(m) for m in _UTF8_SEQUENCE.findall(after))
            return
        self.high_bytes += high
        self.utf8_bytes += high


def scan_file(path: Path, declared: str = "auto") -> FileScan:
    """Hash, count lines and detect (or check) the encoding of ``path`` in one streaming pass."""
    digest = hashlib.sha256()
    size = newlines = 0
    utf8 = _Utf8Check()
    has_c1 = has_undefined = False
    first = last = b""
    with path.open("rb") as handle, ThreadPoolExecutor(max_workers=1) as hasher:
        while chunk := handle.read(CHUNK):
            if not first:
                first = chunk[:3]
            hashed = hasher.submit(digest.update, chunk)  # hashlib releases the GIL: hash while we check
            utf8.feed(chunk, size, newlines, final=False)
            if not chunk.isascii():
                has_c1 = has_c1 or _C1.search(chunk) is not None
                has_undefined = has_undefined or _CP1252_UNDEFINED.search(chunk) is not None
            size += len(chunk)
            last = chunk[-1:]
            newlines += chunk.count(b"\n")
            hashed.result()
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
    if utf8.mostly_utf8:
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
