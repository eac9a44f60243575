"""DMN XML read safely (the same loader as BPMN: no DTD, no entities, no network, bounded size)."""

from __future__ import annotations

from lxml import etree

from bpmn.xml_loader import load_untrusted_xml
from steadyflow.errors import ModelValidationError, Problem

DMN_NAMESPACES = {
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
}
"""The DMN versions we read; Camunda Modeler saves 1.3 for both Camunda 7 and Camunda 8."""

CAMUNDA_DMN_NS = ("http://camunda.org/schema/1.0/dmn", "http://operaton.org/schema/1.0/dmn")


def load_dmn_xml(data: bytes, filename: str) -> etree._Element:
    """The ``definitions`` element of a DMN file, or ModelValidationError naming the line."""
    root = load_untrusted_xml(data, filename)
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        raise ModelValidationError(
            [
                Problem(
                    f"root element is {etree.QName(root).localname!r} in namespace {namespace or 'none'!r}, "
                    "not a DMN 1.1-1.5 definitions element",
                    file=filename,
                    line=root.sourceline,
                    hint="save the file from Camunda Modeler's DMN editor (a DMN 1.3 file starts with "
                    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">)',
                )
            ],
            file=filename,
        )
    return root


def is_dmn(data: bytes) -> bool:
    """Whether the bytes look like a DMN file (by its namespace near the top), before parsing it."""
    head = data[:4096]
    return any(ns.encode() in head for ns in DMN_NAMESPACES)


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """Direct children in the element's own (DMN) namespace with local name ``name``."""
    namespace = etree.QName(element).namespace
    return [child for child in element if isinstance(child.tag, str) and child.tag == f"{{{namespace}}}{name}"]


def child(element: etree._Element, name: str) -> etree._Element | None:
    found = children(element, name)
    return found[0] if found else None


def text_of(element: etree._Element | None) -> str:
    """The ``<text>`` of an expression element (empty when it has none)."""
    if element is None:
        return ""
    text = child(element, "text")
    return (text.text or "").strip() if text is not None else ""


def camunda_attribute(element: etree._Element, name: str) -> str | None:
    for namespace in CAMUNDA_DMN_NS:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return str(value)
    return None


def local_name(element: etree._Element) -> str:
    return str(etree.QName(element).localname)
