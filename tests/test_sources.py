"""Reading inputs: files, folders, HTML, JSON Lines, stdin, and every kind of bad input."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from kg.records import InputProblem, RawArticle
from kg.sources import iter_raw_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

ARTICLE = (
    "TOKYO (Reuters) - Japan and NATO agreed on Tuesday to deepen their security cooperation "
    "in the face of growing threats from China, North Korea and Russia, officials said.\n"
)

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<title>Japan and NATO deepen ties | World News Daily</title>
<meta property="og:title" content="Japan and NATO deepen ties">
<meta property="og:site_name" content="World News Daily">
<meta property="og:url" content="https://example.com/world/japan-nato">
<meta property="article:published_time" content="2023-01-31T09:00:00Z">
<script>var tracking = "should never show up";</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/login">Log in</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
<header><p>Tuesday, Mar 19, 2024</p></header>
<article>
<h1>Japan and NATO deepen ties</h1>
<p class="byline">By Jane Doe</p>
<p>TOKYO (Reuters) - Japan and NATO agreed on Tuesday to deepen their security cooperation in
the face of growing threats from China, North Korea and Russia, officials said after talks.</p>
<p>The alliance's secretary general met Prime Minister Fumio Kishida, who said Japan would open
a representative office for its dealings with the alliance as part of efforts to deepen ties.</p>
<p>"What is happening in Europe today could happen in East Asia tomorrow," he said, urging the
two partners to stand together.</p>
<p>(Reporting by Jane Doe; Editing by John Smith)</p>
</article>
<aside><h2>Related Articles</h2><ul>
<li><a href="/a">Putin backs training centres with Belarus</a></li>
<li><a href="/b">Markets rally on IMF hopes</a></li></ul></aside>
<footer><p>© 2023 World News Daily. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></footer>
</body></html>
"""


def _read(*inputs: str, **kwargs: object) -> list[RawArticle | InputProblem]:
    return list(iter_raw_articles(list(inputs), **kwargs))  # type: ignore[arg-type]


def _only(items: list[RawArticle | InputProblem]) -> RawArticle | InputProblem:
    assert len(items) == 1, items
    return items[0]


# --- plain text files and folders ------------------------------------------------------------


def test_seed_folder_yields_every_seed_in_sorted_order() -> None:
    items = _read(str(SEEDS))
    assert all(isinstance(i, RawArticle) for i in items)
    names = [Path(i.path).name for i in items]
    assert names == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(names) == 5
    first = items[0]
    assert isinstance(first, RawArticle)
    # The seed header line stays in the text: the cleaner parses it.
    assert first.text.startswith(" date 2023-01-31 NATO to strengthen partnership")
    assert first.is_html is False and first.title is None and first.date is None


def test_single_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(ARTICLE + "\nSecond paragraph.\n", encoding="utf-8")
    item = _only(_read(str(path)))
    assert isinstance(item, RawArticle)
    assert item.path == str(path)
    assert item.text == ARTICLE + "\nSecond paragraph.\n"


def test_directory_recursion_skips_hidden_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "c.text").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "inside.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    items = _read(str(tmp_path))
    rel = [Path(i.path).relative_to(tmp_path).as_posix() for i in items]
    assert rel == ["a.txt", "b/z.md", "c.text"]
    assert all(isinstance(i, RawArticle) for i in items)


def test_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert len(_read(str(path), str(path), str(tmp_path))) == 1


def test_explicit_file_with_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    text = tmp_path / "article.dat"
    text.write_text(ARTICLE, encoding="utf-8")
    page = tmp_path / "page.dump"
    page.write_text(PAGE, encoding="utf-8")
    rows = tmp_path / "export.data"
    rows.write_text(json.dumps({"text": ARTICLE}) + "\n", encoding="utf-8")

    plain = _only(_read(str(text)))
    assert isinstance(plain, RawArticle) and plain.text == ARTICLE and not plain.is_html
    html = _only(_read(str(page)))
    assert isinstance(html, RawArticle) and html.is_html
    assert "<p>" not in html.text and "Japan and NATO agreed" in html.text
    row = _only(_read(str(rows)))
    assert isinstance(row, RawArticle) and row.path == f"{rows}:1" and row.text == ARTICLE


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"))
    item = _only(_read(str(path)))
    assert isinstance(item, RawArticle)
    assert item.text == ARTICLE  # the BOM is not part of the text


# --- HTML -----------------------------------------------------------------------------------


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    item = _only(_read(str(path)))
    assert isinstance(item, RawArticle)
    assert item.is_html
    assert item.title == "Japan and NATO deepen ties"
    assert item.date == "2023-01-31"  # from the page's metadata, not the header date
    assert item.url == "https://example.com/world/japan-nato"
    assert item.source == "World News Daily"
    assert "Japan and NATO agreed on Tuesday" in item.text
    assert "Prime Minister Fumio Kishida" in item.text
    # Navigation, related links, footer and scripts are gone.
    for junk in (
        "Log in",
        "Subscribe",
        "Putin backs training",
        "Privacy policy",
        "All rights reserved",
        "should never show up",
        "Tuesday, Mar 19, 2024",
    ):
        assert junk not in item.text, junk
    # Paragraph breaks are kept: one blank line between paragraphs.
    paragraphs = item.text.split("\n\n")
    assert any(p.startswith("The alliance's secretary general") for p in paragraphs)


def test_html_without_article_markup_falls_back_to_block_text(tmp_path: Path) -> None:
    path = tmp_path / "tiny.htm"
    path.write_text("<html><body><p>Seoul protests.</p></body></html>", encoding="utf-8")
    item = _only(_read(str(path)))
    assert isinstance(item, RawArticle) and item.text.strip() == "Seoul protests."


def test_html_with_no_text_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    item = _only(_read(str(path)))
    assert isinstance(item, InputProblem)
    assert item.message == "no article text found in the HTML"


# --- JSON Lines ----------------------------------------------------------------------------


def test_json_lines_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps(
            {
                "id": "kr-01",
                "text": ARTICLE,
                "title": "Japan, NATO deepen ties",
                "date": "2023-01-31T09:00:00Z",
                "url": "https://example.com/a",
                "source": "Reuters",
            }
        ),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"title": "no text"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "Second article. It is short.", "date": "January 30, 2023"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _read(str(path))
    assert [i.path for i in items] == [f"{path}:{n}" for n in (1, 3, 4, 5, 6, 7)]

    first, bad_json, not_object, no_text, empty_text, last = items
    assert isinstance(first, RawArticle)
    assert (first.id, first.title, first.date, first.url, first.source) == (
        "kr-01",
        "Japan, NATO deepen ties",
        "2023-01-31",
        "https://example.com/a",
        "Reuters",
    )
    assert first.text == ARTICLE
    assert isinstance(bad_json, InputProblem) and bad_json.message.startswith("not valid JSON")
    assert isinstance(not_object, InputProblem) and not_object.message == "not a JSON object"
    assert isinstance(no_text, InputProblem) and no_text.message == 'no "text" field'
    assert isinstance(empty_text, InputProblem) and empty_text.message == '"text" is empty'
    assert isinstance(last, RawArticle)
    assert last.id == "batch-7" and last.date == "2023-01-30" and last.title is None


def test_json_array_document(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    data = [{"text": ARTICLE, "id": 7}, {"text": "Another article body."}]
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    items = _read(str(path))
    assert [type(i) for i in items] == [RawArticle, RawArticle]
    assert [i.path for i in items] == [f"{path}:1", f"{path}:2"]
    assert [i.id for i in items if isinstance(i, RawArticle)] == ["7", "export-2"]


def test_json_line_holding_html_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "pages.ndjson"
    path.write_text(json.dumps({"text": PAGE, "title": "Declared title"}) + "\n", "utf-8")
    item = _only(_read(str(path)))
    assert isinstance(item, RawArticle)
    assert item.title == "Declared title"  # the row's declaration wins over the page's
    assert "Japan and NATO agreed" in item.text and "<p>" not in item.text


# --- stdin ---------------------------------------------------------------------------------


def test_stdin_plain_text() -> None:
    item = _only(_read("-", stdin=io.StringIO(ARTICLE)))
    assert isinstance(item, RawArticle) and item.path == "-" and item.text == ARTICLE


def test_stdin_bytes_are_decoded_and_sniffed() -> None:
    stream = io.TextIOWrapper(io.BytesIO(PAGE.encode("utf-8")), encoding="utf-8")
    item = _only(_read("-", stdin=stream))
    assert isinstance(item, RawArticle) and item.is_html and "Japan and NATO agreed" in item.text


def test_stdin_json_lines() -> None:
    data = json.dumps({"text": ARTICLE}) + "\n" + json.dumps({"text": "Two."}) + "\n"
    items = _read("-", stdin=io.StringIO(data))
    assert [i.path for i in items] == ["-:1", "-:2"]
    assert all(isinstance(i, RawArticle) for i in items)


def test_stdin_problems() -> None:
    empty = _only(_read("-", stdin=io.StringIO("  \n")))
    assert isinstance(empty, InputProblem) and empty.message == "stdin is empty"
    bad = io.TextIOWrapper(io.BytesIO(b"abc\xffdef"), encoding="utf-8")
    problem = _only(_read("-", stdin=bad))
    assert isinstance(problem, InputProblem)
    assert problem.message == "not UTF-8 text (invalid byte 0xff at offset 3)"
    big = _only(_read("-", stdin=io.StringIO("x" * 200), max_bytes=100))
    assert isinstance(big, InputProblem) and big.message.startswith("file too large")


# --- bad inputs ----------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    assert _read(missing) == [InputProblem(missing, "no such file or directory")]


def test_empty_and_blank_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n\t\n", encoding="utf-8")
    bom_only = tmp_path / "bom.txt"
    bom_only.write_bytes(b"\xef\xbb\xbf")
    items = _read(str(empty), str(blank), str(bom_only))
    assert items == [InputProblem(str(p), "file is empty") for p in (empty, blank, bom_only)]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    assert _read(str(path)) == [InputProblem(str(path), "binary file (not text)")]
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"looks like text\x00but is not")
    assert _read(str(nul)) == [InputProblem(str(nul), "binary file (not text)")]
    # A PDF header decodes as UTF-8 but is still not an article.
    pdf = tmp_path / "report.txt"
    pdf.write_bytes("%PDF-1.7\n%âãÏÓ\n1 0 obj << /Type /Catalog >>\n".encode())
    assert _read(str(pdf)) == [InputProblem(str(pdf), "binary file (not text)")]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 talks in Kyiv".encode("latin-1"))
    assert _read(str(path)) == [
        InputProblem(str(path), "not UTF-8 text (invalid byte 0xe9 at offset 3)")
    ]


def test_directory_without_articles(tmp_path: Path) -> None:
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    (tmp_path / ".secret.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    assert _read(str(tmp_path)) == [InputProblem(str(tmp_path), "directory holds no articles")]


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 400, encoding="utf-8")  # 2,000 bytes
    item = _only(_read(str(path), max_bytes=1000))
    assert isinstance(item, InputProblem)
    assert item.message == "file too large (2 kB; limit 1 kB, see --max-bytes)"
    ok = _only(_read(str(path), max_bytes=2000))
    assert isinstance(ok, RawArticle)


def test_oversized_message_in_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(52_400_000)  # sparse: costs no disk
    item = _only(_read(str(path)))
    assert item == InputProblem(str(path), "file too large (52.4 MB; limit 20 MB, see --max-bytes)")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    path.chmod(0)
    try:
        assert _read(str(path)) == [InputProblem(str(path), "permission denied")]
    finally:
        path.chmod(0o644)


def test_bad_inputs_never_stop_the_run(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    items = _read(str(tmp_path / "missing"), str(empty), str(good))
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["InputProblem", "InputProblem", "RawArticle"]


def test_permission_denied_reported_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores file modes, so the OS refusal is simulated where the reader opens the file.
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    assert _read(str(path)) == [InputProblem(str(path), "permission denied")]
