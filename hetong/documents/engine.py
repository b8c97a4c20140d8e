"""The template engine: a checked, sandboxed Jinja for Word (docxtpl) and HTML templates, and the PDF routes.

A template may hold plain variables, filters from a short list, `for` loops and `if` conditions; anything else
(calls, item access, arithmetic, macros, includes, assignments, names starting with `_`) is refused when the
template is saved, and rendering runs in Jinja's sandbox as a second wall.
"""

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import lxml.html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from docxtpl import DocxTemplate, Listing
from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from hetong.core import amounts
from hetong.core.errors import InvalidInput

from .missing import Missing, MissingValue  # noqa: F401 - MissingValue is raised through engine.MissingValue
from .variables import CLAUSE_ROOTS, LOOP_ATTRIBUTES, Schema

MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_HTML_CHARS = 500_000
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class TemplateInvalid(InvalidInput):
    code = "template_invalid"


# --- formatting -----------------------------------------------------------------------------------------------

def date_zh(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, dt.date) else value


def date_en(value) -> str:
    return value.strftime("%-d %B %Y") if isinstance(value, dt.date) else value


def money(value) -> str:
    if isinstance(value, (Decimal, int)):
        return f"{Decimal(value):,.2f}"
    return value


def capital(value) -> str:
    return amounts.capital(value) if isinstance(value, (Decimal, int)) else value


def words(value, currency="CNY") -> str:
    return amounts.english(value, currency) if isinstance(value, (Decimal, int)) else value


CUSTOM_FILTERS = {"date_zh": date_zh, "date_en": date_en, "money": money, "capital": capital, "words": words}
SAFE_FILTERS = frozenset({
    "default", "d", "upper", "lower", "title", "capitalize", "trim", "replace", "truncate", "length", "count",
    "first", "last", "join", "e", "escape", "string", "center", "wordwrap", *CUSTOM_FILTERS,
})
SAFE_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "eq", "ne", "odd", "even", "in"})


@lru_cache(maxsize=16)
def make_env(language: str, *, autoescape: bool = True) -> SandboxedEnvironment:
    """The sandboxed environment for a language (kept: building one is not free); never changed after this."""
    date_format = date_en if language == "en" else date_zh

    def finalize(value):
        if isinstance(value, dt.date):
            return date_format(value)
        if isinstance(value, Decimal):
            return money(value)
        if isinstance(value, bool):
            return ("Yes" if value else "No") if language == "en" else ("是" if value else "否")
        return value

    env = SandboxedEnvironment(autoescape=autoescape, undefined=Missing, finalize=finalize, keep_trailing_newline=True)
    env.filters = {name: f for name, f in env.filters.items() if name in SAFE_FILTERS}
    env.filters.update(CUSTOM_FILTERS)
    env.tests = {name: t for name, t in env.tests.items() if name in SAFE_TESTS}
    env.globals = {}
    return env


# --- checking -------------------------------------------------------------------------------------------------

@dataclass
class Report:
    variables: set = field(default_factory=set)
    clause_keys: set = field(default_factory=set)
    unknown: set = field(default_factory=set)
    not_values: set = field(default_factory=set)
    not_lists: set = field(default_factory=set)
    unsafe: list = field(default_factory=list)


STATEMENT_NAMES = {
    "Assign": _lazy("setting a variable ({% set %})"),
    "AssignBlock": _lazy("setting a variable ({% set %})"),
    "Include": _lazy("including another template"),
    "Import": _lazy("importing another template"),
    "FromImport": _lazy("importing another template"),
    "Extends": _lazy("extending another template"),
    "Block": _lazy("a block"),
    "Macro": _lazy("a macro"),
    "CallBlock": _lazy("a call block"),
    "FilterBlock": _lazy("a filter block"),
    "With": _lazy("a with block"),
    "ExprStmt": _lazy("an expression statement"),
}


class Checker:
    """Walks a parsed template and records every path it reads, refusing what is not a plain template."""

    def __init__(self, schema: Schema, report: Report):
        self.schema = schema
        self.report = report

    def check(self, template: nodes.Template):
        self.body(template.body, {})

    def body(self, statements, scope):
        for node in statements:
            self.statement(node, scope)

    def unsafe(self, node, what):
        self.report.unsafe.append(_("%(what)s (line %(line)s)") % {"what": what, "line": node.lineno})

    def statement(self, node, scope):
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    continue
                self.expression(child, scope, want="value")
        elif isinstance(node, nodes.If):
            self.expression(node.test, scope, want="any")
            self.body(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.For):
            if node.recursive or not isinstance(node.target, nodes.Name):
                self.unsafe(node, _("a loop may bind one name only"))
                return
            element = self.expression(node.iter, scope, want="list")
            if node.test is not None:
                self.unsafe(node, _("a filtered loop"))
            inner = {**scope, node.target.name: element, "loop": "loop"}
            self.body(node.body, inner)
            self.body(node.else_, scope)
        else:
            self.unsafe(node, STATEMENT_NAMES.get(type(node).__name__) or _("the statement “%(name)s”") % {"name": type(node).__name__})

    def path_of(self, node) -> list[str] | None:
        parts = []
        while isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        if not isinstance(node, nodes.Name):
            return None
        parts.append(node.name)
        return parts[::-1]

    def expression(self, node, scope, *, want):
        """Check one expression; return the schema node it stands for (for a loop's element)."""
        if isinstance(node, (nodes.Name, nodes.Getattr)):
            parts = self.path_of(node)
            if parts is None:
                chain, inner = [], node
                while isinstance(inner, nodes.Getattr):
                    chain.append(inner.attr)
                    inner = inner.node
                private = [attr for attr in reversed(chain) if attr.startswith("_")]
                if private:
                    self.unsafe(node, _("the private name “%(name)s”") % {"name": private[0]})
                else:
                    self.unsafe(node, _("attribute access on something that is not a variable"))
                return None
            return self.resolve(parts, scope, node, want)
        if isinstance(node, nodes.Const):
            return Schema.LEAF
        if isinstance(node, (nodes.List, nodes.Tuple)):
            for item in node.items:
                self.expression(item, scope, want="value")
            return Schema.LEAF
        if isinstance(node, nodes.Filter):
            if node.name not in SAFE_FILTERS:
                self.unsafe(node, _("the filter “%(name)s”") % {"name": node.name})
            if node.dyn_args is not None or node.dyn_kwargs is not None:
                self.unsafe(node, _("dynamic filter arguments"))
            for arg in [*node.args, *(kw.value for kw in node.kwargs)]:
                self.expression(arg, scope, want="value")
            inner = "list" if node.name in {"join", "length", "count", "first", "last"} else want
            if node.node is not None:
                self.expression(node.node, scope, want="any" if inner == "list" else inner)
            return Schema.LEAF
        if isinstance(node, nodes.Test):
            if node.name not in SAFE_TESTS:
                self.unsafe(node, _("the test “%(name)s”") % {"name": node.name})
            self.expression(node.node, scope, want="any")
            for arg in node.args:
                self.expression(arg, scope, want="value")
            return Schema.LEAF
        if isinstance(node, nodes.Compare):
            self.expression(node.expr, scope, want="any")
            for operand in node.ops:
                self.expression(operand.expr, scope, want="any")
            return Schema.LEAF
        if isinstance(node, (nodes.And, nodes.Or)):
            self.expression(node.left, scope, want="any")
            self.expression(node.right, scope, want="any")
            return Schema.LEAF
        if isinstance(node, nodes.Not):
            self.expression(node.node, scope, want="any")
            return Schema.LEAF
        if isinstance(node, nodes.CondExpr):
            self.expression(node.test, scope, want="any")
            self.expression(node.expr1, scope, want=want)
            if node.expr2 is not None:
                self.expression(node.expr2, scope, want=want)
            return Schema.LEAF
        if isinstance(node, nodes.Concat):
            for item in node.nodes:
                self.expression(item, scope, want="value")
            return Schema.LEAF
        what = {
            nodes.Call: _("a function or method call"),
            nodes.Getitem: _("item access with [ ]"),
            nodes.Slice: _("a slice"),
        }.get(type(node))
        if what is None and isinstance(node, (nodes.BinExpr, nodes.UnaryExpr)):
            what = _("arithmetic")
        self.unsafe(node, what or _("the expression “%(name)s”") % {"name": type(node).__name__})
        return None

    def resolve(self, parts, scope, node, want):
        dotted = ".".join(parts)
        if any(part.startswith("_") for part in parts):
            self.unsafe(node, _("the private name “%(name)s”") % {"name": dotted})
            return None
        head, rest = parts[0], parts[1:]
        if head == "loop" and scope.get("loop") == "loop":
            if len(rest) != 1 or rest[0] not in LOOP_ATTRIBUTES:
                self.report.unknown.add(dotted)
            return Schema.LEAF
        if head in scope:
            current = scope[head]
        else:
            current = self.schema.tree.get(head)
            if current is None:
                self.report.unknown.add(dotted)
                return None
            self.report.variables.add(dotted)
        for part in rest:
            if not isinstance(current, dict) or "[]" in current or part not in current:
                self.report.unknown.add(dotted)
                return None
            current = current[part]
        if head in CLAUSE_ROOTS and len(parts) == 2:
            self.report.clause_keys.add(parts[1])
        if want == "list":
            if isinstance(current, dict) and "[]" in current:
                return current["[]"]
            self.report.not_lists.add(dotted)
            return None
        if want == "value" and current is not Schema.LEAF:
            self.report.not_values.add(dotted)
        return current


def _syntax_message(exc: TemplateSyntaxError) -> str:
    return _("Syntax error on line %(line)s: %(message)s") % {"line": exc.lineno, "message": exc.message}


def check_sources(sources: list[str], schema: Schema, *, language: str = "zh-hans") -> Report:
    """Check template sources; raise TemplateInvalid naming every problem, or return what they use."""
    env = make_env(language)
    report = Report()
    problems = []
    for source in sources:
        try:
            parsed = env.parse(source)
        except TemplateSyntaxError as exc:
            problems.append(_syntax_message(exc))
            continue
        Checker(schema, report).check(parsed)
    if report.unsafe:
        problems.append(_("Not allowed in a template: %(items)s.") % {"items": "; ".join(dict.fromkeys(report.unsafe))})
    if report.unknown:
        problems.append(_("Unknown variables: %(names)s.") % {"names": ", ".join(sorted(report.unknown))})
    if report.not_values:
        first = sorted(report.not_values)[0]
        problems.append(
            _("These are groups of values, not values: %(names)s. Use one of the values inside, for example %(example)s.")
            % {"names": ", ".join(sorted(report.not_values)), "example": schema.first_leaf(first)}
        )
    if report.not_lists:
        problems.append(_("Only lists can be looped over: %(names)s.") % {"names": ", ".join(sorted(report.not_lists))})
    if problems:
        raise TemplateInvalid(" ".join(problems), errors={"template": problems})
    return report


# --- Word templates -------------------------------------------------------------------------------------------

def open_docx(data: bytes) -> DocxTemplate:
    """The uploaded bytes as a Word document, or a clear error for anything that is not one."""
    if not data or len(data) > MAX_DOCX_BYTES:
        raise TemplateInvalid(_("The Word file is empty or larger than 10 MB."), errors={"file": [_("Too large or empty.")]})
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateInvalid(_("This is not a Word (.docx) file."), errors={"file": [_("Not a .docx file.")]})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > 20 * MAX_DOCX_BYTES or "word/document.xml" not in archive.namelist():
                raise ValueError("not a document")
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    except TemplateInvalid:
        raise
    except Exception:  # python-docx raises many kinds of errors for broken packages
        raise TemplateInvalid(
            _("The Word file is damaged or is not a .docx document; open it in Word and save it again as .docx."),
            errors={"file": [_("Not a readable .docx file.")]},
        ) from None
    return template


def docx_sources(template: DocxTemplate) -> list[str]:
    """Every piece of the document docxtpl renders: body, headers, footers, footnotes, core properties."""
    sources = [template.patch_xml(template.get_xml())]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _key, part in template.get_headers_footers(uri):
            sources.append(template.patch_xml(template.get_part_xml(part)))
    for part in template.docx.part.package.parts:
        if part.content_type.endswith("footnotes+xml"):
            sources.append(template.patch_xml(part.blob.decode("utf-8")))
    props = template.docx.core_properties
    sources.extend(getattr(props, name) or "" for name in ("author", "comments", "identifier", "language", "subject", "title"))
    return sources


def normalised_zip(data: bytes) -> bytes:
    """The same package with fixed timestamps and order, so identical inputs give identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_docx_and_text(data: bytes, context: dict, *, language: str) -> tuple[bytes, str]:
    """The filled-in Word file and its text (read from the document in memory, not parsed again)."""
    template = open_docx(data)
    template.render(context, jinja_env=make_env(language), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return normalised_zip(out.getvalue()), document_text(template.docx)


def render_docx(data: bytes, context: dict, *, language: str) -> bytes:
    return render_docx_and_text(data, context, language=language)[0]


def docx_text(data: bytes) -> str:
    import docx

    return document_text(docx.Document(io.BytesIO(data)))


def document_text(document) -> str:
    """The text of a python-docx document: paragraphs and table rows (cells joined by tabs) in order."""
    lines = []
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    if not cells or cell.text != cells[-1]:  # a merged cell repeats across the span
                        cells.append(cell.text)
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return normalise_text("\n".join(lines))


# --- HTML templates -------------------------------------------------------------------------------------------

def render_html(source: str, context: dict, *, language: str) -> str:
    return compiled(source, language, autoescape=True).render(context)


@lru_cache(maxsize=1024)
def compiled(source: str, language: str, *, autoescape: bool):
    """A compiled template, kept: clause texts and HTML templates are filled in again and again."""
    return make_env(language, autoescape=autoescape).from_string(source)


BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "article", "header", "footer", "blockquote", "pre"}


def html_text(html: str) -> str:
    if not html.strip():
        return ""
    root = lxml.html.fromstring(html)
    for element in root.iter("style", "script"):
        element.drop_tree()
    for element in root.iter():
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in ("td", "th"):
            element.tail = "\t" + (element.tail or "")
        elif element.tag in BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return normalise_text(root.text_content())


def normalise_text(text: str) -> str:
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- clauses --------------------------------------------------------------------------------------------------

def render_clause(text: str, context: dict, *, language: str, kind: str):
    """A clause's text with its variables filled; a Listing for Word (line breaks kept), HTML paragraphs for HTML."""
    plain = compiled(text, language, autoescape=False).render(context)
    if kind == "docx":
        return Listing(plain)
    return Markup("".join(f'<p class="clause">{escape(line)}</p>' for line in plain.splitlines() if line.strip()))
