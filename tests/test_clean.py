"""The cleaner: article body without page furniture, and title/date/source, on real pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg.clean import article_id, clean_article, find_agency, parse_date, render_article
from kg.records import Article, RawArticle
from kg.sources import iter_raw_articles

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _seed(prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return clean_article(RawArticle(path=str(path), text=path.read_text(encoding="utf-8")))


def _clean(text: str, **kwargs: object) -> Article:
    return clean_article(RawArticle(path="page.txt", text=text, **kwargs))  # type: ignore[arg-type]


def _paragraphs(article: Article) -> list[str]:
    return article.body.split("\n\n")


# --- the five seeds: metadata --------------------------------------------------------------

SEED_META = [
    ("000", "000_46c7afd8f487e697",
     "NATO to strengthen partnership with Japan, says Secretary-General Stoltenberg",
     "2023-01-31", "Reuters"),
    ("001", "001_5ea7afdffe8cb43a",
     "NATO chief wants to build firmer ties with Japan 'to defend democracy'", None, None),
    ("002", "002_4a7e21c7fb5ed67b",
     "Japan and NATO pledge ‘firm’ response to China, Russia threats", "2023-01-31", "AFP"),
    ("003", "003_4939cdfc9f37da06",
     "NATO's Stoltenberg arrives in South Korea to deepen alliance's ties in Asia",
     "2023-01-29", "Reuters"),
    ("004", "004_1fda5ed95cf01ab6",
     "NATO’s Chief Urges South Korea to Step up Military Support for Ukraine",
     "2023-01-30", "Reuters"),
]  # fmt: skip


@pytest.mark.parametrize(("prefix", "ident", "title", "date", "source"), SEED_META)
def test_seed_metadata(
    prefix: str, ident: str, title: str, date: str | None, source: str | None
) -> None:
    article = _seed(prefix)
    assert article.id == ident
    assert article.title == title
    assert article.date == date
    if source is not None:
        assert article.source == source


# --- the five seeds: body boundaries --------------------------------------------------------

SEED_BODY = [
    ("000", "NATO will continue to strengthen its partnership with Japan",
     'a "special operation" to ward off threats to its own security.'),
    ("001", "NATO Secretary-General Jens Stoltenberg, who is currently visiting Japan",
     "that would raise tensions in the region."),
    ("002", "Japan and NATO must “remain united and firm”",
     "bringing Japan in line with NATO member guidelines."),
    ("003", "NATO Secretary General Jens Stoltenberg arrived in Seoul on Sunday",
     "import the conflict raging in Europe."),
    ("004", "NATO Secretary-General Jens Stoltenberg urged South Korea on Monday",
     "disaster response and other security areas."),
]  # fmt: skip


@pytest.mark.parametrize(("prefix", "first", "last"), SEED_BODY)
def test_seed_body_starts_and_ends_with_the_article(prefix: str, first: str, last: str) -> None:
    article = _seed(prefix)
    paragraphs = _paragraphs(article)
    assert paragraphs[0].startswith(first), paragraphs[0][:120]
    assert paragraphs[-1].endswith(last), paragraphs[-1][-120:]
    # Paragraphs are separated by one blank line and carry no stray whitespace.
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)


def test_seed_000_furniture_and_teasers() -> None:
    article = _seed("000")
    body = article.body
    assert len(_paragraphs(article)) == 5
    assert "Stoltenberg said during a brief speech" in body
    for junk in (
        "NATO Secretary General delivers remarks at the CHEY institute",  # photo caption
        "1 min read",
        "(Reporting by",
        "Recommended Stories",
        "Putin prepares for another offensive",  # a recommended headline
        "New boss Elon Musk",  # a recommended story's teaser
        "TOKYO (Reuters)",  # the dateline prefix
    ):
        assert junk not in body, junk
    assert not re.search(r"^\d+$", body, re.M)  # the lone "3"
    # The summaries under "Recommended Stories" are teasers, never body.
    assert any(t.startswith("New boss Elon Musk is pushing Twitter") for t in article.teasers)
    assert not any("NATO will continue to strengthen" in t for t in article.teasers)
    assert any(d.startswith("(Reporting by Sakura Murakami") for d in article.dropped)


def test_seed_001_furniture() -> None:
    article = _seed("001")
    body = article.body
    # Short paragraphs between long ones are body too.
    for kept in (
        "Japan has also significantly stepped up its ties with NATO recently.",
        '“So the war in Ukraine matters for all of us."',
    ):
        assert kept in _paragraphs(article), kept
    assert "In a statement released by the state-run Korean Central News Agency" in body
    for junk in (
        "Hong Kong News",
        "Nonpartisan",
        "Tuesday, Mar 19, 2024",
        "Newsletter",
        "Related Articles",
        "Paper straws",
        "0:00",
        "Close",
    ):
        assert junk not in body, junk
    # The title is shown twice above the body; neither copy is body text.
    assert article.title not in body
    # KCNA is only mentioned in the text: it is not where the story comes from.
    assert article.source is None


def test_seed_002_furniture() -> None:
    article = _seed("002")
    body = article.body
    assert len(_paragraphs(article)) == 15
    assert "“What is happening in Europe today could happen in East Asia tomorrow." in body
    for junk in (
        "Increased By",  # the stock ticker
        "Brecorder Logo",
        "PRINT EDITION",
        "AFP Published",
        "Follow us",
        "TOKYO:",  # dateline prefix
        "Putin backs military training centres with Belarus",  # headline links inside the body
        "Russia claims capture of village north of Bakhmut",
        "RUssia Ukraine war",  # tag line
        "Comments",
        "1000 characters",
        "Dar meets IMF review mission",
        "Read more stories",
    ):
        assert junk not in body, junk
    assert "Putin backs military training centres with Belarus" in article.dropped


def test_seed_003_furniture_and_source() -> None:
    article = _seed("003")
    body = article.body
    assert "Stoltenberg told Yonhap News agency in an interview" in body
    for junk in (
        "Log in",
        "Sign up",
        "GoogleGoogle",
        "Homepage",
        "share with twitter",
        "FILE PHOTO",
        "01/29/2023",
        "(Reporting by",
        "By Josh Smith",
        "© Reuters",
        "Latest news",
        "MOST READ",
        "Ten children killed",
        "SEOUL (Reuters)",
    ):
        assert junk not in body, junk
    # The agency that wrote it (dateline), not the one quoted in the text (Yonhap).
    assert article.source == "Reuters"


def test_seed_004_furniture() -> None:
    article = _seed("004")
    body = article.body
    assert len(_paragraphs(article)) == 9
    assert "Stoltenberg noted that countries such as Germany, Sweden, and Norway" in body
    for junk in (
        "11:33 JST",
        "SEOUL (Reuters)",
        "POPULAR ARTICLE",
        "JN ACCESS RANKING",
        "New Rules Drive Japanese Trucking",
        "Streaming Services Boost Anime",
    ):
        assert junk not in body, junk


def test_seed_render_shows_metadata_body_teasers_and_dropped() -> None:
    article = _seed("000")
    text = render_article(article)
    assert "title:  NATO to strengthen partnership with Japan" in text
    assert "date:   2023-01-31" in text and "source: Reuters" in text
    assert "NATO will continue to strengthen its partnership" in text
    assert "teasers (" in text and "[teaser] New boss Elon Musk" in text
    assert "dropped lines" not in text and "(Reporting by" not in text
    shown = render_article(article, show_dropped=True)
    assert "dropped lines" in shown and "- (Reporting by Sakura Murakami" in shown


# --- general rules on pages nobody has seen -------------------------------------------------

WIRE_PAGE = "\n".join(
    [
        "Skip to main content",
        "World News Today",
        "Search",
        "Sign in",
        "Subscribe",
        "Friday, Apr 5, 2024",
        "",
        "Poland and Lithuania agree to guard border jointly",
        "",
        "Poland and Lithuania agree to guard border jointly",
        "",
        "By Anna Kowalska and Tomas Petraitis",
        "Published: 3 February 2023 14:05 CET",
        "Share this article",
        "Photo: Soldiers patrol the border near Druskininkai",
        "",
        (
            "VILNIUS, Lithuania (AP) — Poland and Lithuania agreed on Friday to hold joint "
            "patrols along their borders with Belarus, the defence ministers of the two "
            "countries said after talks in Vilnius."
        ),
        "",
        (
            "The ministers said the patrols would begin in the spring and would involve "
            "troops from both countries as well as border guards."
        ),
        "Advertisement",
        (
            '"Our security is indivisible, and we will defend every inch of our territory '
            'together," the Lithuanian minister told reporters.'
        ),
        "",
        "Belarus hosts thousands of Russian troops",
        "",
        (
            "Belarus has allowed Russia to use its territory for the invasion of Ukraine, "
            "which began nearly a year ago."
        ),
        (
            "The Lithuanian defence minister also said that his government would buy more air"
            " defence systems this year."
        ),
        "",
        "Associated Press writer Vanessa Gera contributed to this report.",
        "Copyright 2023 The Associated Press. All rights reserved.",
        "",
        "Most Popular",
        "Storm leaves thousands without power in the north",
        "Markets slide as bond yields climb to new highs",
        "Local team wins cup after dramatic penalty shootout",
        "",
    ]
)


def test_unseen_page_with_other_furniture() -> None:
    article = _clean(WIRE_PAGE)
    assert article.title == "Poland and Lithuania agree to guard border jointly"
    assert article.date == "2023-02-03"  # the byline date, not the site's header date
    assert article.source == "AP"
    paragraphs = _paragraphs(article)
    assert paragraphs[0].startswith("Poland and Lithuania agreed on Friday to hold joint patrols")
    assert paragraphs[-1].startswith("The Lithuanian defence minister also said")
    assert len(paragraphs) == 5
    for junk in (
        "Sign in",
        "By Anna Kowalska",
        "Share this article",
        "Photo:",
        "Advertisement",
        "Belarus hosts thousands of Russian troops",
        "contributed to this report",
        "Copyright",
        "Most Popular",
        "Storm leaves thousands",
        "VILNIUS",
    ):
        assert junk not in article.body, junk


def test_hard_wrapped_plain_text_is_rejoined() -> None:
    text = (
        "Germany pledges more tanks to Ukraine\n\n"
        "BERLIN (dpa) - Germany will supply Ukraine with more Leopard tanks\n"
        "than first promised, the defence ministry said on Thursday, after\n"
        "weeks of pressure from allies in Europe and from the government in\n"
        "Kyiv.\n\n"
        "The ministry said the additional tanks would come from industry\n"
        "stocks and would be delivered over the coming months, and that\n"
        "training of Ukrainian crews had already begun at a base in the\n"
        "north of the country.\n"
    )
    article = _clean(text)
    assert article.source == "dpa"
    assert article.title == "Germany pledges more tanks to Ukraine"
    assert _paragraphs(article) == [
        "Germany will supply Ukraine with more Leopard tanks than first promised, the defence "
        "ministry said on Thursday, after weeks of pressure from allies in Europe and from the "
        "government in Kyiv.",
        "The ministry said the additional tanks would come from industry stocks and would be "
        "delivered over the coming months, and that training of Ukrainian crews had already "
        "begun at a base in the north of the country.",
    ]


def test_very_short_article_keeps_its_text() -> None:
    article = _clean("North Korea fires missile into sea off east coast")
    assert article.body == "North Korea fires missile into sea off east coast"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("AFP Published 31 Jan, 2023 06:03pm", "2023-01-31"),
        ("01/29/2023 | 02:21am EST", "2023-01-29"),
        ("11:33 JST, January 30, 2023", "2023-01-30"),
        ("January 30, 2023", "2023-01-30"),
        ("Jan. 30, 2023", "2023-01-30"),
        ("30 January 2023", "2023-01-30"),
        ("2023-01-30", "2023-01-30"),
        ("2023-01-30T09:00:00Z", "2023-01-30"),
        ("29/01/2023", "2023-01-29"),  # day first when the first number cannot be a month
        ("30.01.2023", "2023-01-30"),
        ("Monday 30th January 2023", "2023-01-30"),
        ("February 30, 2023", None),  # not a calendar date
        ("no date here", None),
    ],
)
def test_parse_date_formats(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


BODY = (
    "Japan and NATO agreed on Tuesday to deepen their security cooperation in the face of "
    "growing threats from China, North Korea and Russia, officials said after talks in Tokyo.\n\n"
    "The alliance's secretary general met Prime Minister Fumio Kishida, who said Japan would "
    "open a representative office for its dealings with the alliance.\n\n"
    "Kishida said the two sides would hold regular meetings of senior officials from now on, "
    "as part of efforts to deepen ties between Tokyo and the alliance.\n"
)


@pytest.mark.parametrize(
    ("dateline", "iso"),
    [
        ("Published 31 Jan, 2023", "2023-01-31"),
        ("01/29/2023 | 02:21am EST", "2023-01-29"),
        ("11:33 JST, January 30, 2023", "2023-01-30"),
        ("January 30, 2023", "2023-01-30"),
        ("30 January 2023", "2023-01-30"),
        ("2023-01-30", "2023-01-30"),
    ],
)
def test_date_line_under_the_headline(dateline: str, iso: str) -> None:
    page = f"Menu\nHome\n\nJapan and NATO deepen security ties\n{dateline}\n\n{BODY}"
    article = _clean(page)
    assert article.date == iso
    assert article.title == "Japan and NATO deepen security ties"
    assert dateline not in article.body


def test_crawl_date_above_the_headline_is_not_the_article_date() -> None:
    page = f"Daily Globe\nTuesday, Mar 19, 2024\n\nJapan and NATO deepen security ties\n\n{BODY}"
    assert _clean(page).date is None


def test_seed_header_date_is_used_even_when_its_headline_is_junk() -> None:
    page = " date 2023-02-01 Advanced search\nLog in\n\nJapan and NATO deepen security ties\n\n"
    article = _clean(page + BODY)
    assert article.date == "2023-02-01"
    assert article.title == "Japan and NATO deepen security ties"


# --- sources --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "source", "stripped"),
    [
        ("TOKYO (Reuters) -Japan and NATO agreed", "Reuters", "Japan and NATO agreed"),
        ("SEOUL (Reuters) — Japan and NATO agreed", "Reuters", "Japan and NATO agreed"),
        (
            "WASHINGTON, Jan 30 (Reuters) - Japan and NATO agreed",
            "Reuters",
            "Japan and NATO agreed",
        ),
        ("BEIJING, Jan. 30 (Xinhua) -- Japan and NATO agreed", "Xinhua", "Japan and NATO agreed"),
        ("(Bloomberg) -- Japan and NATO agreed", "Bloomberg", "Japan and NATO agreed"),
        ("KYIV, Ukraine (AP) — Japan and NATO agreed", "AP", "Japan and NATO agreed"),
        ("PARIS (Agence France-Presse) - Japan and NATO agreed", "AFP", "Japan and NATO agreed"),
        ("TOKYO: Japan and NATO agreed", None, "Japan and NATO agreed"),
    ],
)
def test_dateline_is_removed_and_gives_the_source(
    first: str, source: str | None, stripped: str
) -> None:
    tail = (
        " on Tuesday to deepen their security cooperation in the face of growing threats, "
        "officials said after the talks in the capital.\n\n"
    )
    article = _clean("Japan and NATO deepen security ties\n\n" + first + tail + BODY)
    assert article.body.startswith(stripped + " on Tuesday")
    assert article.source == source


def test_agency_mentioned_in_text_is_not_the_source() -> None:
    body = BODY + "\nStoltenberg told Yonhap News Agency and Kyodo News that the talks went well.\n"
    assert _clean("Japan and NATO deepen security ties\n\n" + body).source is None


def test_source_from_copyright_line_after_the_body() -> None:
    article = _clean(BODY + "\n(Reporting by Jane Doe)\n\n© Reuters 2023\n")
    assert article.source == "Reuters"
    assert "Reuters" not in article.body


def test_source_from_agency_line_above_the_body() -> None:
    page = "Japan and NATO deepen security ties\nAFP Published 31 Jan, 2023 06:03pm\n\n" + BODY
    article = _clean(page)
    assert (article.source, article.date) == ("AFP", "2023-01-31")


def test_find_agency_aliases() -> None:
    assert find_agency("according to the Korean Central News Agency") == "KCNA"
    assert find_agency("Agence France-Presse reported") == "AFP"
    assert find_agency("the Associated Press said") == "AP"
    assert find_agency("happy apple") is None  # "AP" only as written, as a word


# --- declared metadata (HTML and JSON Lines) -------------------------------------------------


def test_declared_json_metadata_wins(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    row = {
        "id": "x/1 é",
        "title": "Declared title",
        "date": "2023-03-01",
        "source": "Kyodo",
        "url": "https://example.com/x",
        "text": "TOKYO (Reuters) - " + BODY,
    }
    path.write_text(json.dumps(row) + "\n" + json.dumps({"text": BODY}) + "\n", "utf-8")
    first, second = (clean_article(r) for r in iter_raw_articles([str(path)]))  # type: ignore[arg-type]
    assert (first.id, first.title, first.date, first.source, first.url) == (
        "x_1_e",
        "Declared title",
        "2023-03-01",
        "Kyodo",
        "https://example.com/x",
    )
    assert first.body.startswith("Japan and NATO agreed on Tuesday")
    assert second.id == "batch-2"


def test_html_page_is_cleaned_with_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    path.write_text(
        "<html><head><title>Japan and NATO deepen ties - Reuters</title>"
        '<meta property="og:site_name" content="Daily Globe">'
        '<meta property="article:published_time" content="2023-01-31">'
        "</head><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav><article>"
        "<h1>Japan and NATO deepen ties</h1>"
        f"<p>TOKYO (Reuters) - {paragraphs[3:]}"
        "<p>(Reporting by Jane Doe; Editing by John Smith)</p></article>"
        "<footer>© 2023 Daily Globe</footer></body></html>",
        encoding="utf-8",
    )
    (raw,) = iter_raw_articles([str(path)])
    assert isinstance(raw, RawArticle)
    article = clean_article(raw)
    assert article.title == "Japan and NATO deepen ties"  # " - Reuters" suffix removed
    assert article.date == "2023-01-31"
    assert article.source == "Reuters"  # the dateline beats the site name
    assert article.body.startswith("Japan and NATO agreed on Tuesday")
    assert "Reporting by" not in article.body and "Home" not in article.body


# --- ids ------------------------------------------------------------------------------------


def test_article_ids() -> None:
    assert article_id(RawArticle("seeds/000_46c7afd8f487e697.txt", "x")) == "000_46c7afd8f487e697"
    assert article_id(RawArticle("data/batch.jsonl:3", "x")) == "batch-3"
    assert article_id(RawArticle("data/batch.jsonl:3", "x", id="abc 1")) == "abc_1"
    assert article_id(RawArticle("dir/Some File (1).html", "x")) == "Some_File_1"
    stdin_a = article_id(RawArticle("-", "first text"))
    stdin_b = article_id(RawArticle("-", "second text"))
    assert re.fullmatch(r"stdin-[0-9a-f]{12}", stdin_a) and stdin_a != stdin_b
    assert stdin_a == article_id(RawArticle("-", "first text"))  # stable
    for ident in (stdin_a, "000_46c7afd8f487e697"):
        assert re.fullmatch(r"[A-Za-z0-9._-]+", ident)


SIDEBAR_THEN_ARTICLE = "\n".join(
    [
        "Daily Globe",
        "Top Stories",
        "Floods hit southern towns",
        (
            "Heavy rains caused flooding across the south on Monday, forcing thousands of people "
            "to leave their homes as rivers burst their banks, officials said."
        ),
        "Markets rally on rate hopes",
        (
            "Stocks rose sharply on Tuesday as investors bet that the central bank would slow the "
            "pace of its interest rate increases later this year, traders said. Bond yields fell."
        ),
        "Election date set",
        (
            "The electoral commission said on Monday that the general election would be held in "
            "April, ending months of speculation about the timing of the vote."
        ),
        "Japan and NATO deepen ties",
        "By Jane Doe",
        "",
        "TOKYO (Reuters) - " + BODY.split("\n\n")[0],
        "",
        "Jens Stoltenberg speaks in Tokyo, Japan, January 31, 2023. (AP Photo/Eugene Hoshiko)",
        "",
        BODY.split("\n\n")[1],
        "",
        "Sign up here.",
        "",
        BODY.split("\n\n")[2],
    ]
)


def test_teaser_list_above_the_article_is_not_body() -> None:
    article = _clean(SIDEBAR_THEN_ARTICLE)
    assert article.title == "Japan and NATO deepen ties"
    assert article.source == "Reuters"
    assert _paragraphs(article) == [p.strip() for p in BODY.split("\n\n")]
    assert any(t.startswith("Stocks rose sharply on Tuesday") for t in article.teasers)
    assert (
        "Jens Stoltenberg speaks in Tokyo, Japan, January 31, 2023. (AP Photo/Eugene Hoshiko)"
        in article.dropped
    )
    assert "Sign up here." in article.dropped


def test_non_english_text_is_kept_rather_than_lost() -> None:
    text = (
        "Die Nato und Japan wollen ihre Zusammenarbeit vertiefen, sagte Generalsekretär "
        "Stoltenberg bei einem Besuch in Tokio am Dienstag vor Journalisten."
    )
    assert _clean(text).body == text


@pytest.mark.parametrize("heading", ["Related Articles", "MOST READ NEWS", 'Latest news "World"'])
def test_section_heading_ends_the_body(heading: str) -> None:
    other = (
        "Heavy rains caused flooding across the south on Monday, forcing thousands of people to "
        "leave their homes as rivers burst their banks. More rain is forecast for the weekend."
    )
    page = f"Japan and NATO deepen security ties\n\n{BODY}\n{heading}\n\n{other}\n\n{other}\n"
    article = _clean(page)
    assert _paragraphs(article) == [p.strip() for p in BODY.split("\n\n")]
    assert other in article.teasers
    assert heading in article.dropped


def test_name_heavy_last_paragraph_is_kept() -> None:
    """A long sentence thick with names has few function words but is still body text."""
    text = (
        " date 2024-02-10 ECOWAS lifts sanctions on Niger\n\n"
        "ABUJA (Reuters) - West African regional bloc ECOWAS lifted sanctions on Niger on "
        "Saturday, in a bid to persuade the junta-led countries that announced their exit from "
        "the bloc to reverse course.\n\n"
        "Mali, Burkina Faso and Niger said in January they would leave ECOWAS, accusing the bloc "
        "of imposing inhumane sanctions and of being under the influence of France.\n\n"
        "Brazilian President Luiz Inacio Lula da Silva, who visited Ethiopia last week, "
        "criticized Israel's military offensive in Gaza, prompting Israel to declare him persona "
        "non grata.\n"
    )
    article = _clean(text)
    assert article.body.endswith("persona non grata.")
    assert not article.dropped


def test_furniture_prefilter_agrees_with_every_rule() -> None:
    """The one-pass prefilter must never miss a line some furniture rule matches."""
    from kg.clean import _furniture, _maybe_furniture

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    lines = [ln.strip() for f in sorted(seeds.glob("*.txt")) for ln in f.read_text().splitlines()]
    assert len(lines) > 300
    for line in lines:
        expected = any(rule.regex.search(line) for rule in _furniture())
        assert _maybe_furniture(line) == expected, line
