"""Reading one DMN file's cells: compiling expressions and collecting located problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from bpmn.expressions.feel import FeelType
from dmn.cells import UnknownLanguage, compile_cell_expression
from dmn.model import Cell
from dmn.xml_reader import text_of
from steadyflow.errors import ExpressionError, Problem


@dataclass
class CellReader:
    filename: str
    language: str | None
    problems: list[Problem] = field(default_factory=list)
    owner_id: str = ""
    named_types: Mapping[str, FeelType] = field(default_factory=dict)
    """The model's item definitions as FEEL types, by name (``x instance of tMyType``)."""
    known_names: tuple[str, ...] = ()
    """The model's variable names of several tokens (``monthly salary``), read as one name in its cells."""

    def problem(self, message: str, node: etree._Element | int | None, hint: str) -> None:
        line = node if isinstance(node, int) or node is None else node.sourceline
        self.problems.append(
            Problem(message, element_id=self.owner_id or None, line=line, file=self.filename, hint=hint)
        )

    def language_of(self, node: etree._Element) -> str | None:
        return node.get("expressionLanguage") or self.language

    def expression(self, node: etree._Element, where: str, *, required: bool = True) -> Cell | None:
        text = text_of(node)
        if not text:
            if required:
                self.problem(f"{where} is empty", node, "enter a FEEL expression")
            return None
        try:
            compiled = compile_cell_expression(text, self.language_of(node), self.named_types, self.known_names)
            return Cell(compiled, where)
        except UnknownLanguage as exc:
            self.problem(
                f"{where} uses expression language {exc.args[0]!r}",
                node,
                "steadyflow runs FEEL (and JUEL for Camunda 7 models); rewrite the cell in FEEL",
            )
        except ExpressionError as exc:
            self.problem(f"{where}: {getattr(exc, 'reason', exc)} in {text!r}", node, "fix the cell's FEEL syntax")
        return None
