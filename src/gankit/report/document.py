"""A small document model rendered to both Markdown and self-contained HTML, so a report is
written once and reads the same in both forms."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from gankit.fileio import atomic_write_text


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Image:
    path: str  # relative to the report's folder
    caption: str = ""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Code:
    text: str
    language: str = ""


@dataclass
class ImageRow:
    """Small images side by side in one row, each with a caption (sample grids over
    training); the page shows them as thumbnails in one scrolling row."""

    images: list[Image]


Block = Heading | Paragraph | Image | Table | Code | ImageRow


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Paragraph):
            out += [b.text, ""]
        elif isinstance(b, Image):
            out += [f"![{b.caption}]({b.path})", ""]
            if b.caption:
                out += [f"*{b.caption}*", ""]
        elif isinstance(b, ImageRow):
            out += ["| " + " | ".join(i.caption for i in b.images) + " |"]
            out += ["|" + "---|" * len(b.images)]
            out += ["| " + " | ".join(f"![{i.caption}]({i.path})" for i in b.images) + " |", ""]
        elif isinstance(b, Table):
            out += ["| " + " | ".join(b.header) + " |", "|" + "---|" * len(b.header)]
            out += ["| " + " | ".join(r) + " |" for r in b.rows]
            out += [""]
        elif isinstance(b, Code):
            out += [f"```{b.language}", b.text.rstrip("\n"), "```", ""]
    return "\n".join(out)


def anchor(heading: str) -> str:
    """The fragment Markdown renderers (GitHub's) give a heading: '#per-seed' for 'Per seed'."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _paragraph_html(text: str) -> str:
    """The paragraph escaped, its Markdown links [text](target) as links."""
    return _LINK.sub(r"<a href='\2'>\1</a>", html.escape(text))


def _img_src(path: str, root: Path) -> str:
    """Inline the PNG so the HTML file can be moved or mailed on its own."""
    file = root / path
    if not file.is_file():
        return html.escape(path)
    return "data:image/png;base64," + base64.b64encode(file.read_bytes()).decode()


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
.table{overflow-x:auto;margin:1em 0}table{border-collapse:collapse;font-size:95%}
td,th{border:1px solid #ccc;padding:4px 10px}
th{background:#f3f3f3}td{text-align:right}td:first-child{text-align:left}
img{max-width:100%}figure{display:inline-block;margin:0 1em 1em 0;text-align:center}
pre{background:#f6f6f6;padding:1em;overflow:auto}figcaption{font-size:90%;color:#555}
.row{display:flex;gap:.6em;overflow-x:auto;padding-bottom:.5em}.row figure{margin:0}
.row img{height:140px;width:auto;max-width:none;image-rendering:pixelated}
"""


def to_html(doc: Document, root: Path) -> str:
    e = html.escape
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level} id='{anchor(b.text)}'>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            out.append(f"<p>{_paragraph_html(b.text)}</p>")
        elif isinstance(b, (Image, ImageRow)):
            images = b.images if isinstance(b, ImageRow) else [b]
            out.append("<div class='row'>" if isinstance(b, ImageRow) else "<div>")
            for i in images:
                out.append(
                    f"<figure><img src='{_img_src(i.path, root)}' alt='{e(i.caption)}' "
                    f"title='{e(i.caption)}'><figcaption>{e(i.caption)}</figcaption></figure>"
                )
            out.append("</div>")
        elif isinstance(b, Table):
            # a table wider than the page scrolls in its own box; the page keeps its width
            out.append("<div class='table'><table><tr>")
            out.append("".join(f"<th>{e(h)}</th>" for h in b.header) + "</tr>")
            for row in b.rows:
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append("</table></div>")
        elif isinstance(b, Code):
            out.append(f"<pre><code>{e(b.text)}</code></pre>")
    out.append("</body></html>")
    return "\n".join(out)


def write_document(doc: Document, folder: Path, stem: str = "report") -> tuple[Path, Path]:
    md, page = folder / f"{stem}.md", folder / f"{stem}.html"
    atomic_write_text(md, to_markdown(doc))
    atomic_write_text(page, to_html(doc, folder))
    return md, page
