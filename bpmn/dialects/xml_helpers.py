"""Small namespace-aware lookups over lxml elements."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree


def children(node: etree._Element, namespaces: Iterable[str], local: str) -> list[etree._Element]:
    tags = {f"{{{ns}}}{local}" for ns in namespaces}
    return [child for child in node if isinstance(child.tag, str) and child.tag in tags]


def first_child(node: etree._Element, namespaces: Iterable[str], local: str) -> etree._Element | None:
    found = children(node, namespaces, local)
    return found[0] if found else None


def local_name(node: etree._Element) -> str:
    return str(etree.QName(node).localname)
