"""Load BPMN XML safely: no entities, no DTDs, no network, bounded size."""

from __future__ import annotations

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


def load_bpmn_xml(data: bytes, filename: str | None = None) -> etree._Element:
    """Parse ``data`` into an element tree, or raise ModelValidationError with the line."""
    name = filename or "model.bpmn"
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
                    "DOCTYPE declarations are not allowed in BPMN files",
                    file=name,
                    line=1,
                    hint="remove the <!DOCTYPE ...> line; BPMN needs no DTD",
                )
            ],
            file=name,
        )
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
