"""``scan_file``: one streaming pass giving sha256, size, newline count and the text encoding.

Every file here is written byte by byte, so the expected offsets and lines are computed from the bytes, not taken
from the code under test.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from observatory.errors import EncodingError, IngestError
from observatory.ingest import encoding
from observatory.ingest.encoding import CHUNK, scan_file, transcode_to_utf8

# Well-formed multi-byte UTF-8 sequences (Unicode Table 3-7), to tell the cases of the detection rules apart.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# The printable characters Windows-1252 puts at 0x80-0x9F (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined).
CP1252_C1 = [bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]
CP1252_OTHER = [bytes([b]).decode("cp1252") for b in range(0xA0, 0x100)]


def write(tmp_path: Path, data: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --- detection -------------------------------------------------------------------------------------------------------


def test_ascii(tmp_path: Path) -> None:
    data = b"id,name\r\n001,Ann\r\n002,Bob\r\n"
    scan = scan_file(write(tmp_path, data))
    assert (scan.encoding, scan.reason) == ("utf-8", "ASCII (valid UTF-8)")
    assert (scan.size, scan.newlines, scan.ends_with_newline) == (len(data), 3, True)
    assert scan.sha256 == hashlib.sha256(data).hexdigest()


def test_utf8(tmp_path: Path) -> None:
    data = "name,amount\nCafé Zoë,£5\nDash – here,€1\n".encode()
    scan = scan_file(write(tmp_path, data))
    assert (scan.encoding, scan.reason) == ("utf-8", "valid UTF-8")
    assert scan.newlines == 3


def test_utf8_with_bom(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfRECTYPE,SCHNAME\r\n1,Ash Grove\r\n"
    scan = scan_file(write(tmp_path, data))
    assert (scan.encoding, scan.reason) == ("utf-8-sig", "UTF-8 byte-order mark")
    assert data.decode(scan.encoding).startswith("RECTYPE,")


def test_windows_1252(tmp_path: Path) -> None:
    data = b"ref,summary\n1,It\x92s a \x93quote\x94 \x96 costs \x80 5 and \xa35\n"
    first = data.index(b"\x92")
    scan = scan_file(write(tmp_path, data))
    assert scan.encoding == "windows-1252"
    assert scan.reason == f"not UTF-8 (first at byte {first}); bytes 0x80-0x9F are Windows-1252 text"
    assert data.decode(scan.encoding) == "ref,summary\n1,It\u2019s a \u201cquote\u201d \u2013 costs \u20ac 5 and £5\n"


def test_latin_1_without_c1_bytes(tmp_path: Path) -> None:
    data = b"Ratepayer\nModa B\xe9b\xe9 Ltd\nCafe Chester\xbfS Limited\n"
    first = data.index(b"\xe9")
    scan = scan_file(write(tmp_path, data))
    assert scan.encoding == "latin-1"
    assert scan.reason == f"not UTF-8 (first at byte {first}); no Windows-1252-only bytes, so ISO-8859-1"
    assert data.decode(scan.encoding).splitlines()[1:] == ["Moda Bébé Ltd", "Cafe Chester¿S Limited"]


def test_c1_bytes_with_a_byte_windows_1252_leaves_undefined_are_latin_1(tmp_path: Path) -> None:
    scan = scan_file(write(tmp_path, b"a\x92b\x81c\n"))
    assert scan.encoding == "latin-1"


def test_empty_file(tmp_path: Path) -> None:
    scan = scan_file(write(tmp_path, b""))
    assert (scan.encoding, scan.size, scan.newlines, scan.ends_with_newline) == ("utf-8", 0, 0, False)
    assert scan.sha256 == hashlib.sha256(b"").hexdigest()


def test_no_final_newline(tmp_path: Path) -> None:
    scan = scan_file(write(tmp_path, b"a,b\n1,2"))
    assert (scan.newlines, scan.ends_with_newline) == (1, False)


def test_mixed_file_is_refused_with_offset_and_line(tmp_path: Path) -> None:
    data = "id,name\n1,naïve\n".encode() + b"2,caf\xe9\n3,x\n"
    offset = data.index(b"\xe9")
    path = write(tmp_path, data)
    with pytest.raises(EncodingError) as caught:
        scan_file(path)
    error = caught.value
    assert isinstance(error, IngestError)
    assert error.line == line_of(data, offset) == 3
    assert error.file == str(path)
    assert f"byte {offset} is not UTF-8" in error.message
    assert "mixed encodings" in error.message
    assert error.message.startswith(f"{path}:3: ")
    assert error.code == "encoding_error"


def test_mixed_file_is_refused_when_the_bad_byte_comes_first(tmp_path: Path) -> None:
    data = b"id,name\n1,caf\xe9\n" + "2,naïve\n".encode()
    offset = data.index(b"\xe9")
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data))
    assert caught.value.line == 2
    assert f"byte {offset} " in caught.value.message


def test_declared_utf8_on_a_windows_1252_file(tmp_path: Path) -> None:
    data = b"ref,summary\n1,plain\n2,It\x92s\n"
    offset = data.index(b"\x92")
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data), "utf-8")
    assert caught.value.line == line_of(data, offset) == 3
    assert f"byte {offset} does not decode as utf-8" in caught.value.message
    assert "nothing was loaded" in caught.value.message


def test_declared_utf8_sig_on_a_latin_1_file(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfa\nb\n\xe9\n"
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data), "utf-8-sig")
    assert caught.value.line == 3
    assert f"byte {data.index(0xE9)} does not decode as utf-8-sig" in caught.value.message


def test_declared_encodings_that_fit(tmp_path: Path) -> None:
    assert scan_file(write(tmp_path, b"\xef\xbb\xbfa\n"), "utf-8").encoding == "utf-8-sig"
    assert scan_file(write(tmp_path, "é\n".encode()), "utf-8-sig").encoding == "utf-8"
    cp1252 = scan_file(write(tmp_path, b"It\x92s\n"), "windows-1252")
    assert (cp1252.encoding, cp1252.reason) == ("windows-1252", "declared")
    # latin-1 is never wrong byte-wise: declared, it is taken even for a valid UTF-8 file
    assert scan_file(write(tmp_path, "é\n".encode()), "latin-1").encoding == "latin-1"


def test_declared_windows_1252_with_undefined_bytes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match="0x81"):
        scan_file(write(tmp_path, b"a\x81b\n"), "windows-1252")


def test_valid_utf8_is_taken_as_utf8_even_if_it_was_meant_as_windows_1252(tmp_path: Path) -> None:
    """The stated rule: bytes that are valid UTF-8 are UTF-8 (cp1252 "â€™" is the UTF-8 of "’")."""
    data = "It\u00e2\u20ac\u2122s\n".encode("cp1252")
    scan = scan_file(write(tmp_path, data))
    assert scan.encoding == "utf-8"
    assert data.decode(scan.encoding) == "It\u2019s\n"


# --- streaming: hash, newlines and chunk boundaries ------------------------------------------------------------------


def test_hash_size_and_newlines_over_many_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoding, "CHUNK", 7)
    data = bytes(range(256)) * 10 + b"\n\r\n\n"
    scan = scan_file(write(tmp_path, data))
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    assert (scan.size, scan.newlines, scan.ends_with_newline) == (len(data), data.count(b"\n"), True)


def _ascii_lines(size: int) -> bytes:
    """ASCII CSV lines of exactly ``size`` bytes, ending with a newline."""
    line = b"0001,Some Ratepayer Ltd,BD1 1AA,12345\n"
    data = line * (size // len(line))
    return data + b"x" * (size - len(data) - 1) + b"\n"


def test_multibyte_character_straddling_the_chunk_boundary_is_not_an_error(tmp_path: Path) -> None:
    euro = "€".encode()  # 3 bytes: the first at CHUNK - 2, the last at CHUNK
    data = _ascii_lines(CHUNK - 2) + euro + b" and more\n" + _ascii_lines(1000)
    assert len(data) > CHUNK
    assert data[CHUNK - 2 : CHUNK + 1] == euro
    scan = scan_file(write(tmp_path, data))
    assert (scan.encoding, scan.reason) == ("utf-8", "valid UTF-8")
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    assert scan.newlines == data.count(b"\n")


def test_bad_byte_after_the_first_chunk(tmp_path: Path) -> None:
    data = "é\n".encode() + _ascii_lines(CHUNK) + b"abc,d\xe9f\n" + _ascii_lines(100)
    offset = data.index(b"d\xe9f") + 1
    assert offset > CHUNK
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data))
    assert caught.value.line == line_of(data, offset)
    assert f"byte {offset} is not UTF-8" in caught.value.message


def _straddle_then_bad_byte() -> tuple[bytes, int]:
    data = _ascii_lines(CHUNK - 2) + "€".encode() + b"\nabc,d\xe9f\n" + _ascii_lines(100)
    return data, data.index(b"d\xe9f") + 1


def test_straddling_character_then_a_bad_byte_is_refused_on_the_right_line(tmp_path: Path) -> None:
    data, offset = _straddle_then_bad_byte()
    with pytest.raises(EncodingError, match="mixed encodings") as caught:
        scan_file(write(tmp_path, data))
    assert caught.value.line == line_of(data, offset)


def test_straddling_character_then_a_bad_byte_reports_the_right_offset(tmp_path: Path) -> None:
    data, offset = _straddle_then_bad_byte()
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data))
    assert f"byte {offset} is not UTF-8" in caught.value.message


def test_truncated_sequence_before_an_ascii_chunk_reports_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoding, "CHUNK", 8)
    data = b"a\n\xc3\xa9\nf\xe2\x82" + b"XYZ\nabc\n"  # chunk 1 ends with 2 of the 3 bytes of a character
    assert data[8:].isascii()
    with pytest.raises(EncodingError) as caught:
        scan_file(write(tmp_path, data))
    assert caught.value.line == 3
    assert "byte 6 is not UTF-8" in caught.value.message


def test_transcode_to_utf8_streams_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoding, "CHUNK", 5)
    data = b"It\x92s \x93quoted\x94 \x96 \xa35\n" * 3
    target = tmp_path / "out.csv"
    transcode_to_utf8(write(tmp_path, data), "windows-1252", target)
    assert target.read_bytes() == data.decode("cp1252").encode("utf-8")


# --- properties ------------------------------------------------------------------------------------------------------

ASCII_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("\n\r\t,")


@settings(deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    before=st.text(alphabet=ASCII_TEXT | st.sampled_from(CP1252_C1 + CP1252_OTHER)),
    c1=st.sampled_from(CP1252_C1),
    after=st.text(alphabet=ASCII_TEXT | st.sampled_from(CP1252_C1 + CP1252_OTHER)),
)
def test_windows_1252_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, before: str, c1: str, after: str
) -> None:
    text = before + c1 + after
    data = text.encode("cp1252")
    # By the stated rules, bytes holding a well-formed multi-byte UTF-8 sequence are UTF-8 (or a refused mix):
    # "Ã©" in Windows-1252 is the UTF-8 of "é". Those texts are outside this property.
    assume(UTF8_MULTIBYTE.search(data) is None)
    path = tmp_path_factory.getbasetemp() / "cp1252.csv"
    path.write_bytes(data)
    scan = scan_file(path)
    assert scan.encoding == "windows-1252"
    assert data.decode(scan.encoding) == text
    assert scan.newlines == text.count("\n")


@settings(deadline=None)
@given(text=st.text())
def test_any_text_as_utf8_is_detected_as_utf8(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    data = text.encode("utf-8")
    path = tmp_path_factory.getbasetemp() / "utf8.csv"
    path.write_bytes(data)
    scan = scan_file(path)
    if text.startswith("\ufeff"):  # a leading U+FEFF is a byte-order mark by definition
        assert scan.encoding == "utf-8-sig"
        assert data.decode(scan.encoding) == text[1:]
        return
    assert scan.encoding == "utf-8"
    assert scan.reason == ("ASCII (valid UTF-8)" if text.isascii() else "valid UTF-8")
    assert data.decode(scan.encoding) == text
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
