#!/usr/bin/env python3
"""Generates the per-operator table of docs/cost-model.md from the Swift sources.

    python3 tools/gen-cost-model.py            # rewrite the table between the markers
    python3 tools/gen-cost-model.py --check    # exit 1 if docs/cost-model.md is stale
    python3 tools/gen-cost-model.py --stdout   # print the table only

What it reads (nothing is hand-maintained here):
- `Sources/Operators/OpRegistry+Builtin.swift`: the families that make up `OpRegistry.builtin`;
- each family's `operators` array: the registered operator types;
- each operator type: its `schema` (domain, op type), its doc comment's "Cost..." paragraph, and,
  for the generic structs that implement a table of near-identical ops (`ActivationOp<Kind>` ...),
  the Kind's own doc comment, the clauses of the family's Cost paragraph that name the op, and the
  cost fields of the Kind's table row (FLOPs, transcendentals ..., with `Conventions` constants
  evaluated from `Sources/**/*.swift`).

It fails (exit 2), listing them, when a registered op has no formula it can find: fix the doc comment
rather than this script. Python 3.8+, standard library only.
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPERATORS_DIR = os.path.join(ROOT, "Sources", "Operators")
DOC = os.path.join(ROOT, "docs", "cost-model.md")
BEGIN = "<!-- BEGIN GENERATED -->"
END = "<!-- END GENERATED -->"
COMMAND = "python3 tools/gen-cost-model.py"


# ---------------------------------------------------------------------------------------------
# Lexing: mask comments and string literals so braces and regexes only see code.
# ---------------------------------------------------------------------------------------------

def mask(src: str) -> str:
    """Returns `src` with comment and string-literal contents replaced by spaces (newlines kept),
    so offsets stay valid. String delimiters are kept, so `"..."` stays recognisable."""
    out = list(src)
    n = len(src)
    i = 0

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def skip_string(i: int) -> int:
        """`i` is at the opening quote(s); returns the offset after the closing quote(s)."""
        hashes = 0
        while src[i] == "#":
            hashes += 1
            i += 1
        triple = src.startswith('"""', i)
        quote = '"""' if triple else '"'
        i += len(quote)
        start = i
        closing = quote + "#" * hashes
        while i < n:
            if src[i] == "\\" and hashes == 0:
                if i + 1 < n and src[i + 1] == "(":
                    # Interpolation: code up to the matching parenthesis (it may hold strings).
                    j = i + 2
                    depth = 1
                    while j < n and depth:
                        if src[j] == '"' or (src[j] == "#" and src.startswith('#"', j)):
                            j = skip_string(j)
                            continue
                        if src[j] == "(":
                            depth += 1
                        elif src[j] == ")":
                            depth -= 1
                        j += 1
                    i = j
                    continue
                i += 2
                continue
            if src.startswith(closing, i):
                blank(start, i)
                return i + len(closing)
            if not triple and src[i] == "\n":
                break  # unterminated: stop at the end of the line
            i += 1
        blank(start, i)
        return i

    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif src.startswith("/*", i):
            depth = 0
            j = i
            while j < n:
                if src.startswith("/*", j):
                    depth += 1
                    j += 2
                elif src.startswith("*/", j):
                    depth -= 1
                    j += 2
                    if depth == 0:
                        break
                else:
                    j += 1
            blank(i, j)
            i = j
        elif c == '"' or (c == "#" and re.match(r'#+"', src[i:i + 8])):
            i = skip_string(i)
        else:
            i += 1
    return "".join(out)


def matching(masked: str, open_index: int, open_char: str = "{", close_char: str = "}") -> int:
    """Offset of the bracket closing the one at `open_index`."""
    depth = 0
    for k in range(open_index, len(masked)):
        ch = masked[k]
        if ch == open_char:
            depth += 1
        elif ch == close_char:
            depth -= 1
            if depth == 0:
                return k
    raise ValueError("unbalanced brackets")


# ---------------------------------------------------------------------------------------------
# Declarations
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Decl:
    kind: str               # struct, enum, protocol, extension, typealias, func
    name: str               # qualified: ActivationKinds.Relu
    short: str
    file: str
    line: int
    generics: str           # "<Kind: ActivationKind>" or ""
    inherits: str           # ": Operator" part
    doc: str                # the /// comment, joined into one paragraph
    body: str               # original text between the braces ("" for typealias)
    masked_body: str
    target: str = ""        # typealias target


DECL_RE = re.compile(
    r"^[ \t]*(?:(?:public|internal|private|fileprivate|package|final|indirect|@\w+(?:\([^)]*\))?)\s+)*"
    r"(struct|enum|protocol|extension|class|actor)\s+([A-Za-z_][\w.]*)\s*(<[^>{]*>)?\s*([^{]*)\{",
    re.M,
)
TYPEALIAS_RE = re.compile(
    r"^[ \t]*(?:(?:public|internal|private|fileprivate|package)\s+)*typealias\s+(\w+)\s*=\s*([^\n]+)$", re.M)
FUNC_RE = re.compile(
    r"^[ \t]*(?:(?:public|internal|private|fileprivate|package|static|@\w+)\s+)*func\s+(\w+)\s*\(", re.M)


def doc_comment(lines: list[str], decl_line: int) -> str:
    """The `///` block right above line index `decl_line` (attributes in between are skipped)."""
    k = decl_line - 1
    while k >= 0 and lines[k].strip().startswith("@"):
        k -= 1
    block = []
    while k >= 0 and lines[k].strip().startswith("///"):
        block.append(lines[k].strip()[3:].strip())
        k -= 1
    return " ".join(reversed(block)).strip()


def parse_file(path: str) -> list[Decl]:
    src = open(path, encoding="utf-8").read()
    masked = mask(src)
    lines = src.split("\n")
    decls: list[tuple[int, int, Decl]] = []  # (open, close, decl)

    def line_of(offset: int) -> int:
        return src.count("\n", 0, offset)

    for m in DECL_RE.finditer(masked):
        kind, name, generics, inherits = m.group(1), m.group(2), m.group(3) or "", m.group(4).strip()
        if "=" in inherits or "(" in inherits:
            continue  # not a type declaration (e.g. a `where` clause mishap)
        open_index = m.end() - 1
        try:
            close_index = matching(masked, open_index)
        except ValueError:
            continue
        line = line_of(m.start(1))
        decl = Decl(kind=kind, name=name, short=name.split(".")[-1], file=path, line=line + 1,
                    generics=generics, inherits=inherits, doc=doc_comment(lines, line),
                    body=src[open_index + 1:close_index], masked_body=masked[open_index + 1:close_index])
        decls.append((open_index, close_index, decl))

    for m in TYPEALIAS_RE.finditer(masked):
        line = line_of(m.start())
        target = src[m.start(2):m.end(2)].strip()
        decls.append((m.start(), m.start(), Decl(kind="typealias", name=m.group(1), short=m.group(1), file=path,
                                                  line=line + 1, generics="", inherits="",
                                                  doc=doc_comment(lines, line), body="", masked_body="",
                                                  target=target)))

    for m in FUNC_RE.finditer(masked):
        paren = m.end() - 1
        try:
            close_paren = matching(masked, paren, "(", ")")
        except ValueError:
            continue
        brace = masked.find("{", close_paren)
        if brace < 0:
            continue
        try:
            close_index = matching(masked, brace)
        except ValueError:
            continue
        line = line_of(m.start())
        decls.append((brace, close_index, Decl(kind="func", name=m.group(1), short=m.group(1), file=path,
                                               line=line + 1, generics="", inherits="", doc=doc_comment(lines, line),
                                               body=src[brace + 1:close_index],
                                               masked_body=masked[brace + 1:close_index])))

    # Qualify nested type names (enum ActivationKinds { enum Relu ... } → ActivationKinds.Relu).
    result = []
    for open_i, close_i, decl in decls:
        parents = [d for (o, c, d) in decls
                   if o < open_i and close_i <= c and d is not decl and d.kind in ("struct", "enum", "extension", "class")]
        parents.sort(key=lambda d: len(d.body))
        if parents and decl.kind != "extension":
            chain = []
            # innermost first: walk outwards by containment
            for p in sorted(parents, key=lambda d: -len(d.body)):
                chain.append(p.name)
            decl.name = ".".join(chain + [decl.short])
        result.append(decl)
    return result


# ---------------------------------------------------------------------------------------------
# Conventions constants
# ---------------------------------------------------------------------------------------------

def conventions(all_decls: list[Decl]) -> dict[str, int]:
    """`Conventions.x` → value, from `enum Conventions` and every `extension Conventions`."""
    raw: dict[str, str] = {}
    for d in all_decls:
        if d.short == "Conventions" and d.kind in ("enum", "extension"):
            for m in re.finditer(r"static\s+let\s+(\w+)\s*(?::\s*\w+\s*)?=\s*([^\n]+)", d.masked_body):
                raw[m.group(1)] = m.group(2).strip()
    values: dict[str, int] = {}
    for _ in range(5):  # constants defined from constants
        for name, expr in raw.items():
            if name in values:
                continue
            value = evaluate(expr, values)
            if value is not None:
                values[name] = value
    return values


def evaluate(expr: str, consts: dict[str, int]) -> int | None:
    """Integer value of a simple arithmetic expression over literals and `Conventions` constants."""
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in consts:
            raise KeyError(name)
        return str(consts[name])
    try:
        text = re.sub(r"(?:Conventions\.)?\b([a-zA-Z_]\w*)\b", sub, expr)
    except KeyError:
        return None
    if not re.fullmatch(r"[\d\s+\-*/()]+", text):
        return None
    try:
        return int(eval(text, {"__builtins__": {}}, {}))  # digits and operators only
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RegisteredOp:
    domain: str
    op: str
    swift_type: str          # as written in the family array
    base: Decl | None        # the struct implementing it
    kind: Decl | None        # the Kind of a generic struct
    family: str
    formula: str = ""
    problems: list[str] = dataclasses.field(default_factory=list)


class Sources:
    def __init__(self, root: str):
        self.decls: list[Decl] = []
        for path in sorted(glob.glob(os.path.join(root, "Sources", "**", "*.swift"), recursive=True)):
            self.decls.extend(parse_file(path))
        self.types: dict[str, list[Decl]] = {}
        for d in self.decls:
            if d.kind in ("struct", "enum", "protocol", "typealias", "class"):
                self.types.setdefault(d.name, []).append(d)
                if d.short != d.name:
                    self.types.setdefault(d.short, []).append(d)
        self.consts = conventions(self.decls)
        self.string_constants: dict[str, str] = {}
        for path in sorted(glob.glob(os.path.join(root, "Sources", "Operators", "**", "*.swift"), recursive=True)):
            for m in re.finditer(r'^(?:public\s+|internal\s+)?let\s+(\w+)\s*=\s*"([^"]*)"', open(path).read(), re.M):
                self.string_constants[m.group(1)] = m.group(2)

    def type(self, name: str) -> Decl | None:
        found = self.types.get(name) or []
        real = [d for d in found if d.kind != "extension"]
        return real[0] if real else None

    def family_members(self, family: str) -> list[str]:
        """Type expressions in `family.operators` (following `+` and member references)."""
        enum = self.type(family)
        if enum is None:
            raise SystemExit(f"gen-cost-model: family {family} not found")
        return self._array(enum, "operators", family)

    def _array(self, enum: Decl, member: str, family: str) -> list[str]:
        m = re.search(r"static\s+(?:let|var)\s+" + member + r"\s*:[^=]*=\s*", enum.masked_body)
        if m is None:
            raise SystemExit(f"gen-cost-model: {family}.{member} not found")
        i = m.end()
        items: list[str] = []
        body = enum.body
        masked = enum.masked_body
        while True:
            while i < len(masked) and masked[i] in " \t\n":
                i += 1
            if i < len(masked) and masked[i] == "[":
                close = matching(masked, i, "[", "]")
                for part in split_top_level(masked[i + 1:close]):
                    part = part.strip()
                    if part:
                        items.append(re.sub(r"\.self$", "", part).strip())
                i = close + 1
            else:
                ref = re.match(r"(?:(\w+)\.)?(\w+)", masked[i:])
                if ref is None:
                    break
                other = self.type(ref.group(1)) if ref.group(1) else enum
                items.extend(self._array(other, ref.group(2), family))
                i += ref.end()
            rest = masked[i:].lstrip(" \t\n")
            if rest.startswith("+"):
                i = len(masked) - len(rest) + 1
                continue
            break
        del body
        return items

    def builtin_families(self) -> list[str]:
        path = os.path.join(ROOT, "Sources", "Operators", "OpRegistry+Builtin.swift")
        text = mask(open(path, encoding="utf-8").read())
        m = re.search(r"static\s+let\s+builtin\s*=\s*OpRegistry\(operators:(.*)\)\s*\}", text, re.S)
        if m is None:
            raise SystemExit("gen-cost-model: OpRegistry.builtin not found")
        return re.findall(r"(\w+)\.operators", m.group(1))


def split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i
            start += 1
    parts.append(text[start:])
    return parts


def schema_text(decl: Decl) -> str | None:
    m = re.search(r"static\s+(?:let|var)\s+schema\b", decl.masked_body)
    if m is None:
        return None
    call = decl.masked_body.find("OpSchema(", m.end())
    if call < 0:
        return None
    close = matching(decl.masked_body, call + len("OpSchema"), "(", ")")
    return decl.body[call + len("OpSchema("):close]


def argument(call_args: str, label: str) -> str | None:
    for part in split_top_level(call_args):
        part = part.strip()
        if part.startswith(label + ":"):
            return part[len(label) + 1:].strip()
    return None


def kind_value(sources: Sources, kind: Decl, member: str) -> str | None:
    """`type` (or `since`) of a Kind: `static let type = "X"`, `row = Row(type: "X", ...)`, or
    `row = helper("X", since)`."""
    body = kind.body
    m = re.search(r"\b" + member + r"\s*=\s*(\"[^\"]*\"|\d+)", body)
    if m:
        return m.group(1).strip('"')
    m = re.search(r"\b" + member + r"\s*:\s*(\"[^\"]*\"|\d+)", body)
    if m:
        return m.group(1).strip('"')
    if member == "type":
        m = re.search(r"\"([^\"]+)\"", body)
        if m:
            return m.group(1)
    return None


def resolve(sources: Sources, expr: str, family: str) -> RegisteredOp:
    """A family array entry (`ReluOp`, `RandomOp<RandomNormalKind>`) → its op."""
    seen = set()
    while True:
        m = re.fullmatch(r"([\w.]+)\s*(?:<\s*([\w.]+)\s*>)?", expr.strip())
        if m is None:
            raise SystemExit(f"gen-cost-model: cannot read family entry '{expr}' in {family}")
        name, kind_name = m.group(1), m.group(2)
        decl = sources.type(name)
        if decl is not None and decl.kind == "typealias" and name not in seen:
            seen.add(name)
            expr = decl.target
            continue
        break
    op = RegisteredOp(domain="", op="", swift_type=expr, base=decl, kind=None, family=family)
    if decl is None:
        op.problems.append(f"type {name} not found")
        return op
    if kind_name:
        op.kind = sources.type(kind_name) or sources.type(kind_name.split(".")[-1])
        if op.kind is None:
            op.problems.append(f"kind {kind_name} not found")
    schema = schema_text(decl)
    if schema is None:
        op.problems.append(f"{name} has no schema")
        return op
    type_arg = argument(schema, "type")
    if type_arg and type_arg.startswith('"'):
        op.op = type_arg.strip('"')
    elif op.kind is not None:
        op.op = kind_value(sources, op.kind, "type") or ""
    if not op.op:
        op.problems.append(f"cannot read the op type of {expr}")
    domain_arg = argument(schema, "domain")
    if domain_arg is None:
        op.domain = ""
    elif domain_arg.startswith('"'):
        op.domain = domain_arg.strip('"')
    else:
        op.domain = sources.string_constants.get(domain_arg, domain_arg)
    return op


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------

COST_RE = re.compile(r"\bCost\b[^:.;]{0,40}:")
STOP_RE = re.compile(r"(?:^|(?<=[.;)]\s))(?:Values|Spec|Opsets?|Shapes?|Inputs?|Outputs?|Output type|Semantics[^:]*):")


def cost_paragraph(doc: str) -> str | None:
    """The "Cost: ..." (or "Cost per element: ...") part of a doc comment, without later tags."""
    m = COST_RE.search(doc)
    if m is None:
        return None
    text = doc[m.start():]
    stop = STOP_RE.search(text, m.end() - m.start())
    if stop:
        text = text[:stop.start()]
    return text.strip()


def mentions(text: str, op: str) -> bool:
    """Whether `text` names `op` as a word, or through a glob such as `Bitwise*`."""
    if re.search(r"(?<![\w.`])" + re.escape(op) + r"(?!\w)", text):
        return True
    for glob_prefix in re.findall(r"(?<![\w`])([A-Z]\w*)\*", text):
        if op.startswith(glob_prefix):
            return True
    return False


def clauses_for(paragraph: str, op: str, siblings: set[str]) -> str:
    """The clauses of a table family's Cost paragraph that apply to `op`: the general ones (naming no
    op of the family) and those naming `op`. Clauses end at `;`, at a sentence end and at `plus:`.
    When no clause names `op`, the general clauses alone (or, if none, the whole paragraph)."""
    label = COST_RE.match(paragraph)
    head = paragraph[:label.end()] if label else ""
    body = paragraph[label.end():].strip() if label else paragraph
    # (piece, starts_sentence)
    pieces: list[tuple[str, bool]] = []
    for index, piece in enumerate(re.split(r"(?<=;)\s+|(?<=plus:)\s+|(?<=\.)\s+(?=[A-Z`(])", body)):
        starts = index == 0 or (pieces and pieces[-1][0].endswith("."))
        pieces.append((piece, bool(starts)))
    general, specific = [], []
    for piece, starts in pieces:
        named = {s for s in siblings if mentions(piece, s)}
        if not named:
            general.append((piece, starts))
            specific.append((piece, starts))
        elif op in named:
            specific.append((piece, starts))
    if len(specific) > len(general):
        kept = specific
    elif general:
        kept = general
    else:
        return paragraph
    out = []
    for i, (piece, _) in enumerate(kept):
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        if piece.endswith(";") and (nxt is None or nxt[1]):
            piece = piece[:-1] + "."
        if piece.endswith("plus:") and (nxt is None or nxt[1]):
            piece = re.sub(r",?\s*plus:$", ".", piece)
        out.append(piece)
    return (head + " " + " ".join(out)).strip()


ROW_FIELD_RE = re.compile(r"\b(\w*(?:flops|FLOPs|Flops|transcendentals?|Transcendentals?|macs|MACs)\w*)\s*[:=]\s*([^,\n)]+(?:\([^)]*\))?)")


def row_fields(sources: Sources, kind: Decl) -> list[tuple[str, str, int | None]]:
    """Cost fields of a Kind's table row: (name, expression, value)."""
    body = kind.body
    fields = []
    # A row built by a helper (`simple("Relu", 1)`): the helper's constant fields apply.
    helper = re.search(r"\brow\s*=\s*(\w+)\(", body)
    texts = [body]
    if helper and not helper.group(1)[0].isupper():
        for d in sources.decls:
            if d.kind == "func" and d.short == helper.group(1) and d.file == kind.file:
                texts.append(d.body)
                break
    seen = set()
    for text in texts:
        for m in ROW_FIELD_RE.finditer(mask(text)):
            name = m.group(1)
            expr = text[m.start(2):m.end(2)].strip()
            if name in seen or name.startswith("static") or "Kind." in expr or "(" in expr and "Conventions" not in expr:
                continue
            if re.fullmatch(r"\w+", expr) and expr not in sources.consts and not expr.isdigit():
                continue  # a helper parameter
            seen.add(name)
            fields.append((name, expr, evaluate(expr, sources.consts)))
    return fields


def annotate_conventions(text: str, consts: dict[str, int]) -> str:
    """Adds the value after a `Conventions.x` reference when the text does not already give it."""
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in consts and not re.match(r"\s*\(=?\s*\d", text[m.end():m.end() + 6]):
            return m.group(0) + f" = {consts[name]}"
        return m.group(0)
    return re.sub(r"`Conventions\.(\w+)`", sub, text)


def own_paragraph(sources: Sources, decl: Decl, op: str) -> str | None:
    """The Cost paragraph describing the struct `decl` (registered as `op`): its own doc comment's;
    else the one its doc points to ("See `CastOp`."); else that of the struct it delegates its cost
    to (`let base: OptimizerOp` ... `base.cost(ctx)`); else that of the nearest preceding declaration
    of the same file whose doc names `op` (one comment above a group of ops declared together)."""
    text = cost_paragraph(decl.doc)
    if text:
        return text
    see = re.search(r"\bSee\s+`(\w+)`", decl.doc)
    if see and sources.type(see.group(1)) is not None:
        text = cost_paragraph(sources.type(see.group(1)).doc)
        if text:
            return text
    m = re.search(r"\blet\s+base\s*:\s*(\w+)", decl.masked_body)
    if m and re.search(r"\bbase\.cost\(", decl.masked_body) and sources.type(m.group(1)) is not None:
        text = cost_paragraph(sources.type(m.group(1)).doc)
        if text:
            return text
    candidates = [d for d in sources.decls
                  if d.file == decl.file and d.line < decl.line and d.kind in ("struct", "enum", "protocol")
                  and cost_paragraph(d.doc) and mentions(d.doc, op)]
    if candidates:
        return cost_paragraph(max(candidates, key=lambda d: d.line).doc)
    return None


def formula_for(sources: Sources, op: RegisteredOp, siblings: dict[str, set[str]]) -> str | None:
    base = op.base
    if base is None:
        return None
    if op.kind is None:
        text = own_paragraph(sources, base, op.op)
        return annotate_conventions(text, sources.consts) if text else None

    # A table family: `struct X<Kind: P>`; the family's paragraph is on X (or on P).
    family_text = cost_paragraph(base.doc)
    if family_text is None:
        m = re.search(r"Kind\s*:\s*(\w+)", base.generics)
        proto = sources.type(m.group(1)) if m else None
        if proto is not None:
            family_text = cost_paragraph(proto.doc)
    parts = []
    kind_doc = op.kind.doc.strip()
    if kind_doc and not kind_doc.lower().startswith(("a tag type", "one row", "the rows")):
        parts.append(kind_doc)  # the row's own sentence
        if family_text:
            parts.append("Family rule: " + family_text)
    elif family_text:
        parts.append(clauses_for(family_text, op.op, siblings.get(base.name, {op.op})))
    if not parts:
        return None
    parts = [annotate_conventions(" ".join(parts), sources.consts)]
    fields = row_fields(sources, op.kind)
    if fields:
        shown = []
        for name, expr, value in fields:
            if value is not None and expr.strip() != str(value):
                shown.append(f"`{name}` = `{expr}` = {value}")
            else:
                shown.append(f"`{name}` = {expr if value is None else value}")
        parts.append("Table row: " + ", ".join(shown) + ".")
    return " ".join(parts)


def md_cell(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("|", "\\|")).strip()


def collect(root: str = ROOT) -> tuple[list[RegisteredOp], list[str]]:
    sources = Sources(root)
    ops: list[RegisteredOp] = []
    for family in sources.builtin_families():
        for entry in sources.family_members(family):
            ops.append(resolve(sources, entry, family))
    # Ops of one table family (`ActivationOp<Kind>`) are siblings: a clause of the family's Cost
    # paragraph naming one of them applies to that one only.
    siblings: dict[str, set[str]] = {}
    for op in ops:
        if op.base is not None and op.kind is not None:
            siblings.setdefault(op.base.name, set()).add(op.op)
    # A doc comment that quotes a constant's value ("`Conventions.sigmoid` (4)") must quote it right.
    for d in sources.decls:
        for m in re.finditer(r"`(?:Conventions\.)?(\w+)`\s*\((?:=\s*)?(\d+)\b", d.doc):
            if m.group(1) in sources.consts and sources.consts[m.group(1)] != int(m.group(2)):
                print(f"gen-cost-model: warning: {os.path.relpath(d.file, root)}:{d.line}: doc says {m.group(0)}) "
                      f"but Conventions.{m.group(1)} = {sources.consts[m.group(1)]}", file=sys.stderr)
    missing = []
    for op in ops:
        if op.problems:
            missing.append(f"{op.family}: {op.swift_type}: " + "; ".join(op.problems))
            continue
        formula = formula_for(sources, op, siblings)
        if formula is None:
            where = f"{os.path.relpath(op.base.file, root)}:{op.base.line}" if op.base else "?"
            missing.append(f"{op.domain or 'ai.onnx'} {op.op} ({op.swift_type}, {where})")
        else:
            op.formula = formula
    return ops, missing


def render(ops: list[RegisteredOp]) -> str:
    rows = sorted(ops, key=lambda o: (o.domain != "", o.domain, o.op.lower()))
    lines = [
        BEGIN,
        f"<!-- Generated by `{COMMAND}` from the doc comments and table rows of Sources/Operators; do not edit by hand. -->",
        "",
        f"{len(rows)} registered operators (`OpRegistry.builtin`). \"per element\" means per output element",
        "unless the row says otherwise; MACs count 2 FLOPs each; bytes read and written are counted for",
        "every node by the cost pass (see Memory access above), not by these formulas.",
        "",
        "| domain | op | formula |",
        "|---|---|---|",
    ]
    for op in rows:
        lines.append(f"| {op.domain or 'ai.onnx'} | {op.op} | {md_cell(op.formula)} |")
    lines.append(END)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cost-model.md is not up to date")
    parser.add_argument("--stdout", action="store_true", help="print the generated table instead of writing it")
    parser.add_argument("--list", action="store_true", help="list registered ops with their Swift type")
    args = parser.parse_args()

    ops, missing = collect()
    if args.list:
        for op in ops:
            print(f"{op.domain or 'ai.onnx'}\t{op.op}\t{op.swift_type}\t{op.family}")
        return 0
    if missing:
        print("gen-cost-model: no cost formula found for these registered ops "
              "(add a `Cost:` line to their doc comment):", file=sys.stderr)
        for line in missing:
            print("  " + line, file=sys.stderr)
        return 2
    duplicates = {}
    for op in ops:
        duplicates.setdefault((op.domain, op.op), []).append(op.swift_type)
    table = render(ops)
    if args.stdout:
        print(table)
        return 0
    text = open(DOC, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        print(f"gen-cost-model: {DOC} lacks the {BEGIN} / {END} markers", file=sys.stderr)
        return 2
    new = text[:text.index(BEGIN)] + table + text[text.index(END) + len(END):]
    if args.check:
        if new != text:
            print(f"gen-cost-model: {os.path.relpath(DOC, ROOT)} is stale; run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(new)
    print(f"gen-cost-model: {len(ops)} ops → {os.path.relpath(DOC, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
