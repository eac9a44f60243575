"""Load BPMN XML safely: no entities, no DTDs, no network, bounded size."""

from __future__ import annotations

import codecs
import re

from lxml import etree

from steadyflow.errors import ModelValidationError, Problem

MAX_MODEL_BYTES = 10 * 1024 * 1024
"""Largest BPMN file we accept; Camunda Modeler files are usually under 1 MB."""

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


# Byte-order marks, then the first bytes of "<?" without one (XML 1.0, appendix F).
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_WIDE_STARTS = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_DECLARED = re.compile(r"""\A(\s*<\?xml\b[^>]*?\bencoding\s*=\s*["'])([^"']*)(["'])""")


def _refused(name: str, message: str, hint: str) -> ModelValidationError:
    return ModelValidationError([Problem(message, file=name, line=1, hint=hint)], file=name)


def _sniff(data: bytes) -> tuple[str | None, int]:
    """The encoding the first bytes fix (and the length of its byte-order mark), or None for ASCII-like ones."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    for start, codec in _WIDE_STARTS:
        if data.startswith(start):
            return codec, 0
    return None, 0


def looks_like_xml(data: bytes) -> bool:
    """Whether the first character of ``data``, in the encoding its first bytes show, is ``<`` (or none)."""
    codec, skip = _sniff(data)
    head = data[skip : skip + 256].decode(codec or "latin-1", errors="ignore").lstrip(" \t\r\n")
    return head[:1] in ("<", "")


def as_utf8(data: bytes, filename: str | None = None) -> bytes:
    """The file as UTF-8 with a declaration saying so; UTF-8 files come back unchanged.

    Every entry point (deploy over either API, the CLI, ``validate``) reads a file through
    here, so a UTF-16 or Latin-1 file is read the same everywhere, and what the store keeps
    (as UTF-8 text) parses to the same model after a restart.
    """
    name = filename or "model.bpmn"
    codec, skip = _sniff(data)
    if codec is None:
        found = _DECLARED.match(data[:512].decode("latin-1"))
        codec = found.group(2).strip() if found else "utf-8"
    try:
        info = codecs.lookup(codec)
    except LookupError:
        raise _refused(
            name,
            f"the XML declaration names the encoding '{codec}', which steadyflow cannot read",
            "save the file as UTF-8 (Camunda Modeler always does)",
        ) from None
    if info.name == "utf-8":
        return data
    try:
        text = data[skip:].decode(info.name)
    except UnicodeDecodeError as exc:
        raise _refused(
            name,
            f"the file is not valid {codec} (byte {exc.start + skip} cannot be read as {codec})",
            "save the file again as UTF-8, or fix its XML declaration's encoding",
        ) from None
    text = _DECLARED.sub(lambda m: f"{m.group(1)}UTF-8{m.group(3)}", text, count=1)
    return text.encode("utf-8")


def load_bpmn_xml(data: bytes, filename: str | None = None) -> etree._Element:
    """Parse ``data`` into an element tree, or raise ModelValidationError with the line."""
    name = filename or "model.bpmn"
    root = load_untrusted_xml(data, name)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise ModelValidationError(
            [
                Problem(
                    f"root element is {etree.QName(root).localname!r}, not bpmn:definitions",
                    file=name,
                    line=root.sourceline,
                    hint=f'a BPMN 2.0 file starts with <bpmn:definitions xmlns:bpmn="{BPMN_NS}">',
                )
            ],
            file=name,
        )
    return root


def load_untrusted_xml(data: bytes, name: str) -> etree._Element:
    """Any model file (BPMN, DMN) as a tree: bounded size, no DTD, no entities, no network."""
    if len(data) <= MAX_MODEL_BYTES:
        data = as_utf8(data, name)
    if len(data) > MAX_MODEL_BYTES:
        raise ModelValidationError(
            [
                Problem(
                    f"file is {len(data):,} bytes; the limit is {MAX_MODEL_BYTES:,}",
                    file=name,
                    hint="split the model into smaller processes linked by call activities",
                )
            ],
            file=name,
        )
    if not data.strip():
        raise ModelValidationError(
            [Problem("file is empty", file=name, hint="export the diagram from Camunda Modeler")],
            file=name,
        )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise ModelValidationError(
            [
                Problem(
                    f"malformed XML: {exc.msg}",
                    file=name,
                    line=line,
                    column=column,
                    hint="the file is not well-formed XML; open it in Camunda Modeler and save it again",
                )
            ],
            file=name,
        ) from exc
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        raise ModelValidationError(
            [
                Problem(
                    "DOCTYPE declarations are not allowed in model files",
                    file=name,
                    line=1,
                    hint="remove the <!DOCTYPE ...> line; BPMN and DMN need no DTD",
                )
            ],
            file=name,
        )
    return root
