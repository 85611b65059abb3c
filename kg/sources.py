"""Read inputs: text and HTML files, directories of them, JSON Lines files and stdin.

:func:`iter_raw_articles` turns what the user named on the command line into
:class:`~kg.records.RawArticle` records, one per article, and reports everything it cannot
read as an :class:`~kg.records.InputProblem` instead of raising, so one bad file never stops
a run over a folder of thousands.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from kg.records import InputProblem, RawArticle

__all__ = [
    "HTML_EXTENSIONS",
    "JSONL_EXTENSIONS",
    "KNOWN_EXTENSIONS",
    "TEXT_EXTENSIONS",
    "iter_raw_articles",
]

TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
JSONL_EXTENSIONS = frozenset({".jsonl", ".ndjson", ".json"})
KNOWN_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | JSONL_EXTENSIONS

Item = RawArticle | InputProblem

_HTML_HINT = re.compile(r"(?i)<html[\s>]|<body[\s>]|<p>|<!doctype\s+html")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")  # not tab, newline, CR, FF
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")
_MAX_LINE_PROBLEMS = 50  # per JSON Lines file; a non-article .json would flood the report
# Files in a folder that are clearly not articles (a corpus's own README or licence): skipped
# with a line saying so; named on the command line they are read like any other file.
_NOT_ARTICLES = frozenset({
    "readme", "license", "licence", "copying", "notice", "changelog", "changes", "history",
    "contributing", "authors", "code_of_conduct", "security",
})  # fmt: skip
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
# Deeper than this, libxml2 stops building the tree even with huge_tree (2048 levels);
# without it, at 256. Such pages are read with Python's own tokenizer, which has no limit.
_EXCESSIVE_DEPTH = "Excessive depth"
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "figcaption", "dd", "dt",
)  # fmt: skip


def iter_raw_articles(
    inputs: Sequence[str],
    *,
    max_bytes: int = 20_000_000,
    stdin: TextIO | None = None,
) -> Iterator[RawArticle | InputProblem]:
    """Yield one :class:`RawArticle` per article in ``inputs``, or an :class:`InputProblem`.

    ``inputs`` are paths of files or directories, or ``-`` for standard input (``stdin``,
    default :data:`sys.stdin`). Directories are read recursively in sorted order, skipping
    hidden files and folders and files whose extension is not a known article format; a
    file named explicitly is read whatever its extension, its format sniffed from its content.
    Files larger than ``max_bytes`` are reported, not read. Never raises for bad input.
    """
    seen: set[str] = set()
    for spec in inputs:
        if spec == "-":
            yield from _read_stdin(stdin if stdin is not None else sys.stdin, max_bytes)
            continue
        path = Path(spec)
        try:
            info = path.stat()
        except FileNotFoundError:
            message = "broken symbolic link" if path.is_symlink() else "no such file or directory"
            yield InputProblem(spec, message)
            continue
        except PermissionError:
            yield InputProblem(spec, "permission denied")
            continue
        except OSError as exc:
            yield InputProblem(spec, _os_message(exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _read_directory(path, spec, max_bytes, seen)
        else:
            key = _identity(path)
            if key in seen:
                continue  # the same file named twice (or also inside a named folder)
            seen.add(key)
            yield from _read_file(path, spec, max_bytes, kind=None)


# ---------------------------------------------------------------------------------------------
# Files and folders


def _identity(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def _os_message(exc: OSError) -> str:
    reason = (exc.strerror or exc.__class__.__name__).rstrip(".").lower()
    return f"cannot read ({reason})"


def _kind_for_extension(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in HTML_EXTENSIONS:
        return "html"
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    return None  # text extensions are sniffed too: a saved page may be called .txt


def _read_directory(root: Path, spec: str, max_bytes: int, seen: set[str]) -> Iterator[Item]:
    files: list[tuple[tuple[str, ...], Path]] = []
    problems: list[InputProblem] = []

    def walk(folder: Path, rel: tuple[str, ...]) -> None:
        try:
            entries = list(os.scandir(folder))
        except PermissionError:
            problems.append(InputProblem(str(Path(spec, *rel)), "permission denied"))
            return
        except OSError as exc:
            problems.append(InputProblem(str(Path(spec, *rel)), _os_message(exc)))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .DS_Store, editor backups)
            try:
                # Symlinked folders are not followed: they can loop.
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                walk(Path(entry.path), (*rel, entry.name))
                continue
            name = Path(entry.name)
            if name.suffix.lower() not in KNOWN_EXTENSIONS:
                continue
            display = str(Path(spec, *rel, entry.name))
            reason = _not_an_article(entry, name)
            if reason:
                problems.append(InputProblem(display, reason))
            else:
                files.append(((*rel, entry.name), Path(entry.path)))

    walk(root, ())
    yield from problems
    if not files:
        if not problems:
            yield InputProblem(spec, "directory holds no articles")
        return
    for rel, path in sorted(files):
        key = _identity(path)
        if key in seen:
            continue
        seen.add(key)
        yield from _read_file(path, str(Path(spec, *rel)), max_bytes, kind=None, regular_only=True)


def _not_an_article(entry: os.DirEntry, name: Path) -> str | None:
    """Why a file found in a folder is not read as an article (None: it is read)."""
    try:
        mode = entry.stat().st_mode  # follows a symbolic link to what it names
    except OSError:
        return None  # a broken link: reading it reports the problem
    if not stat.S_ISREG(mode):
        kind = next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")
        return f"not a regular file ({kind}): only files named on the command line are read"
    if name.stem.lower() in _NOT_ARTICLES:
        return (
            f"not an article (a {name.stem} file); name it on the command line to read it anyway"
        )
    return None


def _read_file(
    path: Path, display: str, max_bytes: int, kind: str | None, regular_only: bool = False
) -> Iterator[Item]:
    """Read one file; with ``regular_only`` (files found in a folder) a pipe or a device is
    refused, never waited on (a FIFO with no writer would block the build for ever)."""
    try:
        info = path.stat()
        if regular_only and not stat.S_ISREG(info.st_mode):
            yield InputProblem(display, "not a regular file")
            return
        if info.st_size > max_bytes:
            yield InputProblem(display, _too_large(info.st_size, max_bytes))
            return
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        yield InputProblem(display, "permission denied")
        return
    except IsADirectoryError:
        yield InputProblem(display, "is a directory")
        return
    except OSError as exc:
        yield InputProblem(display, _os_message(exc))
        return
    if len(data) > max_bytes:  # a pipe or special file whose size stat() did not know
        yield InputProblem(display, _too_large(len(data), max_bytes, at_least=True))
        return
    text = _decode(data)
    if isinstance(text, InputProblem):
        yield InputProblem(display, text.message)
        return
    kind = kind or _kind_for_extension(path) or _sniff(text)
    yield from _parse(text, display, kind, stem=path.stem)


def _read_stdin(stream: TextIO, max_bytes: int) -> Iterator[Item]:
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is not None:
            data = buffer.read(max_bytes + 1)
        else:
            chars = stream.read(max_bytes + 1)
            data = chars.encode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        yield InputProblem(
            "-",
            f"not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
        )
        return
    except OSError as exc:
        yield InputProblem("-", _os_message(exc))
        return
    if len(data) > max_bytes:
        yield InputProblem("-", _too_large(len(data), max_bytes, at_least=True))
        return
    if not data.strip():
        yield InputProblem("-", "stdin is empty")
        return
    text = _decode(data)
    if isinstance(text, InputProblem):
        yield InputProblem("-", text.message)
        return
    yield from _parse(text, "-", _sniff(text), stem="stdin")


def _megabytes(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".removesuffix(".0") + " kB"
    return f"{n} bytes"


def _too_large(size: int, limit: int, at_least: bool = False) -> str:
    more = "over " if at_least else ""
    return f"file too large ({more}{_megabytes(size)}; limit {_megabytes(limit)}, see --max-bytes)"


def _decode(data: bytes) -> str | InputProblem:
    """Bytes to text, or the reason they are not an article's text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a byte-order mark (Windows "Unicode" text): decodable, so accept it.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return InputProblem("", "binary file (not text)")
        return text if text.strip() else InputProblem("", "file is empty")
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        return InputProblem("", "file is empty")
    if b"\x00" in data or data.startswith(_BINARY_MAGIC):
        return InputProblem("", "binary file (not text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sample = data[:8192]
        controls = sum(1 for b in sample if b < 9 or 13 < b < 32 or b == 127)
        if controls > 0.01 * len(sample):
            return InputProblem("", "binary file (not text)")
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return InputProblem(
            "", f"not UTF-8 text (invalid byte 0x{data[offset]:02x} at offset {offset})"
        )
    controls = len(_CONTROL_CHARS.findall(text, 0, 8192))
    if controls > 0.01 * min(len(text), 8192):
        return InputProblem("", "binary file (not text)")
    if not text.strip():
        return InputProblem("", "file is empty")
    return text


# ---------------------------------------------------------------------------------------------
# Formats


def _sniff(text: str) -> str:
    """Guess a document's format from its content: ``html``, ``jsonl`` or ``text``."""
    head = text.lstrip("\ufeff \t\r\n")[:65536]
    if head.startswith("<") or _HTML_HINT.search(head):
        return "html"
    if head.startswith(("{", "[")) and _looks_like_json_records(text):
        return "jsonl"
    return "text"


def _looks_like_json_records(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        if all(isinstance(json.loads(ln), dict) for ln in lines):
            return True
    except ValueError:
        pass
    try:
        whole = json.loads(text)
    except ValueError:
        return False
    return isinstance(whole, dict) or (
        isinstance(whole, list) and all(isinstance(x, dict) for x in whole)
    )


def _parse(text: str, display: str, kind: str, stem: str) -> Iterator[Item]:
    if kind == "html":
        yield _from_html(text, display)
    elif kind == "jsonl":
        yield from _from_json_lines(text, display, stem)
    else:
        yield RawArticle(path=display, text=text)


def _from_json_lines(text: str, display: str, stem: str) -> Iterator[Item]:
    """One article per line; a document that is one JSON object or array is read whole."""
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    try:
        json.loads(first)
    except ValueError:
        try:
            whole = json.loads(text)
        except ValueError:
            whole = None
        if isinstance(whole, dict):
            yield _from_record(whole, display, _default_id(whole, stem))
            return
        if isinstance(whole, list):
            # A JSON array: items are numbered from 1 like lines.
            if not whole:
                yield InputProblem(display, "file holds no articles (empty JSON array)")
            for number, item in enumerate(whole, start=1):
                record_id = _default_id(item, f"{stem}-{number}")
                yield _from_record(item, f"{display}:{number}", record_id)
            return
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{display}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            item: Item = InputProblem(where, f"not valid JSON ({_json_error(exc)})")
        else:
            item = _from_record(record, where, _default_id(record, f"{stem}-{number}"))
        if isinstance(item, InputProblem):
            bad += 1
            if bad > _MAX_LINE_PROBLEMS:
                continue
        yield item
    if bad > _MAX_LINE_PROBLEMS:
        yield InputProblem(display, f"{bad - _MAX_LINE_PROBLEMS} more bad lines not shown")


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def _default_id(record: Any, fallback: str) -> str:
    if isinstance(record, dict):
        value = record.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return fallback


def _text_field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def _from_record(record: Any, where: str, record_id: str) -> Item:
    """One JSON object as an article: ``text`` required; ``title``, ``date``, ``url``,
    ``source`` and ``id`` optional."""
    if not isinstance(record, dict):
        return InputProblem(where, "not a JSON object")
    if "text" not in record:
        return InputProblem(where, 'no "text" field')
    text = record["text"]
    if not isinstance(text, str):
        return InputProblem(where, '"text" is not a string')
    if not text.strip():
        return InputProblem(where, '"text" is empty')
    title = _text_field(record, "title")
    url = _text_field(record, "url")
    source = _text_field(record, "source")
    declared_date = _normalize_date(record.get("date"))
    if _sniff(text) == "html":
        page = _from_html(text, where)
        if isinstance(page, InputProblem):
            return page
        return RawArticle(
            path=where,
            text=page.text,
            title=title or page.title,
            date=declared_date or page.date,
            url=url or page.url,
            source=source,
            is_html=False,  # the record's own fields are declarations, not page guesses
            id=record_id,
        )
    return RawArticle(
        path=where,
        text=text,
        title=title,
        date=declared_date,
        url=url,
        source=source,
        id=record_id,
    )


def _normalize_date(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    from kg.clean import parse_date  # the cleaner owns date formats

    return parse_date(value)


# ---------------------------------------------------------------------------------------------
# HTML


def _from_html(html: str, display: str) -> RawArticle | InputProblem:
    """Main text and metadata of an HTML page, via trafilatura (falls back to all block text)."""
    import trafilatura  # slow import; only HTML inputs need it
    from trafilatura.settings import set_date_params

    page, too_deep = _deep_page(html)
    doc = None
    try:
        doc = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_links=False,
            include_images=False,
            # No extensive search: it picks up crawl dates from page headers.
            date_extraction_params=set_date_params(False),
        )
    except Exception:  # trafilatura/lxml can fail on broken markup; the fallback handles it
        doc = None
    text = getattr(doc, "text", None) or ""
    if too_deep:  # trafilatura's text ends where libxml2 stopped building the tree
        text = _tokenized_block_text(html)
    elif len(text.strip()) < 40:
        text = _html_block_text(html) or text
    if not text.strip():
        return InputProblem(display, "no article text found in the HTML")
    # One paragraph a line from trafilatura; a blank line between them keeps the breaks.
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n\n".join(p for p in paragraphs if p)
    return RawArticle(
        path=display,
        text=text,
        title=getattr(doc, "title", None) or None,
        date=getattr(doc, "date", None) or None,
        url=getattr(doc, "url", None) or None,
        source=getattr(doc, "sitename", None) or None,
        is_html=True,
    )


def _deep_page(html: str) -> tuple[Any, bool]:
    """What trafilatura should read: the page text, or for a page nested deeper than libxml2's
    default limit (256 levels, where it drops the rest of the page) a tree parsed with
    ``huge_tree``; ``too_deep`` when even that limit is passed."""
    from lxml import etree
    from lxml import html as lxml_html

    def parse(huge: bool) -> tuple[Any, bool]:
        parser = lxml_html.HTMLParser(huge_tree=huge)
        try:
            tree = lxml_html.document_fromstring(html, parser=parser)
        except (etree.LxmlError, ValueError):  # empty, or an encoding declaration in a str
            return None, False
        deep = any(_EXCESSIVE_DEPTH in entry.message for entry in parser.error_log)
        return tree, deep

    _, deep = parse(huge=False)
    if not deep:
        return html, False
    tree, deeper = parse(huge=True)
    return (html, True) if deeper or tree is None else (tree, False)


def _html_block_text(html: str) -> str:
    """All visible text of a page, one block element a line (for pages trafilatura rejects)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html, parser=lxml_html.HTMLParser(huge_tree=True))
    except Exception:  # empty or unparsable document
        return ""
    for bad in tree.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    for element in tree.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    lines = (" ".join(line.split()) for line in tree.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _tokenized_block_text(html: str) -> str:
    """Like :func:`_html_block_text`, with Python's HTML tokenizer: no limit on nesting."""
    from html.parser import HTMLParser

    blocks = frozenset(_BLOCK_TAGS)
    parts: list[str] = []
    skipping = 0

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            nonlocal skipping
            if tag in _SKIPPED_TAGS:
                skipping += 1
            elif tag in blocks:
                parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            nonlocal skipping
            if tag in _SKIPPED_TAGS:
                skipping = max(0, skipping - 1)
            elif tag in blocks:
                parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not skipping:
                parts.append(data)

    reader = Reader(convert_charrefs=True)
    reader.feed(html)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)
