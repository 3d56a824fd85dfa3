"""Opening .qdpx/.qde/.qdc files safely: the ZIP container, internal files and the XML.

Real exports differ from the standard (``Sources/`` or ``sources/``, ``Project.qde`` or
``<Name>.qde``, BOMs, bare file names as paths), so lookups are tolerant; anything unreadable
in the container itself is an ``InputError``, a missing or broken internal file a warning.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from kvali.errors import InputError

MAX_XML_BYTES = 256 * 1024 * 1024
MAX_SOURCE_BYTES = 512 * 1024 * 1024
PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

_PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, huge_tree=False
)


def parse_xml(data: bytes, *, source: str | Path) -> etree._Element:
    """Parse XML bytes without entities, DTDs or network access; errors name the line."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        raise InputError(
            "not well-formed XML: {msg}", file=source, line=line, msg=exc.msg
        ) from None
    except (ValueError, etree.LxmlError) as exc:
        raise InputError("cannot read the XML: {exc}", file=source, exc=exc) from None
    if root is None:
        raise InputError("empty XML document", file=source)
    return root


def local(el: etree._Element) -> str:
    """The element's name without namespace ('' for comments and processing instructions)."""
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def namespace(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""


@dataclass
class Package:
    """A project or codebook file: its root element and, for .qdpx, the internal files."""

    path: Path
    root: etree._Element
    zip: zipfile.ZipFile | None = None
    entries: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    def read(self, ref: str) -> tuple[bytes | None, str | None]:
        """The bytes of an internal file named by a REFI path, or (None, why not)."""
        name = internal_name(ref)
        if name is None:
            return None, f"external file {ref!r} is not in the package"
        if self.zip is None:
            return None, f"{name} is not available (a bare .qde has no internal files)"
        info = self.entries.get(name.casefold())
        if info is None:
            return None, f"internal file {name} is missing from the package"
        if info.file_size > MAX_SOURCE_BYTES:
            return None, f"internal file {name} is too large ({info.file_size} bytes)"
        try:
            return self.zip.read(info), None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
            return None, f"internal file {name} cannot be read ({exc})"
        except NotImplementedError as exc:
            return None, f"internal file {name} uses an unsupported compression ({exc})"

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def internal_name(ref: str) -> str | None:
    """The bare file name for ``internal://X`` or a scheme-less name (qc 1.3.2); None if external."""
    ref = ref.strip()
    if ref.startswith("internal://"):
        ref = ref[len("internal://") :]
    elif "://" in ref:
        return None
    name = PurePosixPath(unquote(ref).replace("\\", "/")).name
    return name or None


def open_package(path: str | Path) -> Package:
    """Open a .qdpx (ZIP with one *.qde) or a bare .qde/.qdc XML file."""
    path = Path(path)
    try:
        head = path.open("rb").read(4)
    except OSError as exc:
        raise InputError(
            "cannot read: {strerror}", file=path, strerror=exc.strerror or exc
        ) from None
    if head.startswith(b"PK"):
        return _open_zip(path)
    try:
        size = path.stat().st_size
        if size > MAX_XML_BYTES:
            raise InputError("the file is too large ({size} bytes)", file=path, size=size)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            "cannot read: {strerror}", file=path, strerror=exc.strerror or exc
        ) from None
    return Package(path=path, root=parse_xml(data, source=path))


def _open_zip(path: Path) -> Package:
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError("not a readable .qdpx (ZIP) file: {exc}", file=path, exc=exc) from None
    try:
        qdes = [
            i for i in infos if "/" not in i.filename and i.filename.casefold().endswith(".qde")
        ]
        if not qdes:
            qdes = [i for i in infos if i.filename.casefold().endswith(".qde")]
        if len(qdes) != 1:
            found = ", ".join(i.filename for i in qdes) or "none"
            raise InputError(
                "a .qdpx must hold exactly one .qde project file (found: {found})",
                file=path,
                found=found,
            )
        info = qdes[0]
        if info.file_size > MAX_XML_BYTES:
            raise InputError(
                "{filename} is too large ({file_size} bytes)",
                file=path,
                filename=info.filename,
                file_size=info.file_size,
            )
        try:
            data = zf.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise InputError(
                "{filename} cannot be read from the ZIP: {exc}",
                file=path,
                filename=info.filename,
                exc=exc,
            ) from None
        except NotImplementedError as exc:
            raise InputError(
                "{filename}: unsupported ZIP compression ({exc})",
                file=path,
                filename=info.filename,
                exc=exc,
            ) from None
        root = parse_xml(data, source=f"{path}!{info.filename}")
    except BaseException:
        zf.close()
        raise
    entries: dict[str, zipfile.ZipInfo] = {}
    for i in infos:
        if i.is_dir() or i is info:
            continue
        entries.setdefault(PurePosixPath(i.filename).name.casefold(), i)
    return Package(path=path, root=root, zip=zf, entries=entries)


def decode_text(data: bytes) -> tuple[str, str | None]:
    """UTF-8 text with a BOM stripped (UTF-16 with a BOM accepted); a note if bytes were replaced."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        return text.replace(
            "\x00", "\ufffd"
        ), f"not valid UTF-8 at byte {exc.start}; bad bytes replaced, positions after it may shift"
    return text.replace("\x00", "\ufffd"), None
