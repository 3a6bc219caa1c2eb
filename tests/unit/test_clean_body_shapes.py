"""Body rules for classes found on page shapes written after publisher markup (issue 22: WordPress, Drupal,
Arc, Ghost and Bootstrap news themes), not on the real pages: one fixture per class, with its near miss."""

from __future__ import annotations

import lxml.html
import pytest

from workers.clean.boilerplate import CAPTION, CREDIT, DATE_LINE, READ_ALSO_HEADER, classify, prune_html
from workers.clean.extract import extract_article

PROSE = [
    "The city council voted on Tuesday to approve a new budget that raises spending on public transport by a fifth.",
    "Officials said the plan would add three new bus lines and extend the tram network to the northern districts.",
    "Opposition members argued that the money should have gone to housing, and several walked out before the vote.",
    "The mayor said the first new lines would open next spring, with the tram extension to follow within two years.",
]


def _body(inner: str) -> list[str]:
    page = (
        "<html><head><title>Council approves transport budget | Daily Times</title></head><body>"
        "<nav><a href='/'>Home</a><a href='/world'>World</a></nav><main><article class='post'>"
        f"<h1 class='entry-title'>Council approves transport budget</h1>{inner}</article></main>"
        "<footer><p>© 2019 Daily Times. All rights reserved.</p></footer></body></html>"
    )
    url = "https://dailytimes.example/news/2019/11/19/council-budget"
    return str(extract_article(page.encode(), url)["body"]).split("\n\n")


def _ps(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


# --- lists whose items open with a link -------------------------------------------------------------------
LINKED_LIST = "<ul><li><a href='/l41'>Line 41</a>: airport to centre</li><li><a href='/l42'>Line 42</a>: university to north</li></ul>"


def test_a_list_whose_items_open_with_a_link_is_story_text():
    # trafilatura's precision mode drops it (each item is half link); it sits between kept paragraphs
    body = _body(_ps(PROSE[:2]) + "<p>The new lines:</p>" + LINKED_LIST + _ps(PROSE[2:]))
    assert body == [*PROSE[:2], "The new lines:", "Line 41: airport to centre", "Line 42: university to north", *PROSE[2:]]


def test_a_list_of_links_only_between_paragraphs_stays_out():
    related = "<ul><li><a href='/a'>Mayor unveils housing plan for the north</a></li><li><a href='/b'>Bus fares to rise in March</a></li></ul>"
    assert _body(_ps(PROSE[:2]) + related + _ps(PROSE[2:])) == PROSE


def test_a_linked_list_after_the_story_is_not_put_back():
    # only what lies between two kept paragraphs of the story's container comes back
    assert _body(_ps(PROSE) + LINKED_LIST) == PROSE


# --- captions closed by a picture credit ------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Buses in the centre on Tuesday. (Photo by John Smith/Getty Images)",
        "The mayor speaks after the vote. [AP Photo/Jane Doe]",
        "Protesters gather outside city hall. Photo: John Smith/AP",
        "Protesters outside city hall (Getty Images)",
    ],
)
def test_a_line_closed_by_a_picture_credit_is_a_caption(line):
    assert classify(line) == CAPTION


@pytest.mark.parametrize(
    "line",
    [
        "(Image credit: All About Space)",  # a bare credit line: reference bodies keep it
        "Seit Jahren intensiv diskutiert: die elektronische Patientenakte (ePA)",
        "He showed reporters a photo of the new bus (see below).",
        "The mayor at the vote on Tuesday (Reuters)",  # an agency is no picture credit
    ],
)
def test_prose_and_bare_credits_are_no_caption(line):
    assert classify(line) is None


def test_an_unmarked_caption_under_an_image_leaves_the_body():
    caption = "<div><img src='x.jpg'><p>Buses in the centre on Tuesday. (Photo by John Smith/Getty Images)</p></div>"
    assert _body(_ps(PROSE[:2]) + caption + _ps(PROSE[2:])) == PROSE


# --- a story in sibling blocks whose class carries a furniture word -----------------------------------------
@pytest.mark.parametrize("classes", ["body-copy share-tracking", "entry-content related-enabled", "content-body promo-enabled"])
def test_a_story_written_one_classed_paragraph_at_a_time_stays(classes):
    # each paragraph alone is a small block of a furniture class; together they are the story
    assert _body("".join(f"<p class='{classes}' id='p{i}'>{p}</p>" for i, p in enumerate(PROSE))) == PROSE


def test_a_story_split_by_an_ad_into_two_containers_of_one_class_stays():
    # the first part: two paragraphs (no running text alone), under two fifths of the page's text
    story = [*PROSE, "Residents of the northern districts have waited more than a decade for a direct connection."]
    part = "<div class='story-body__inner social-embed-enabled'>{}</div>"
    inner = part.format(_ps(story[:2])) + "<div class='ad-slot'></div>" + part.format(_ps(story[2:]))
    assert _body(inner) == story


def test_sibling_teasers_of_a_related_class_under_the_story_still_go():
    teaser = (
        "<div class='related-story'><h3><a href='/r{0}'>Another story number {0}</a></h3>"
        "<p>A summary of that other story that runs long enough to look like a paragraph of running text.</p></div>"
    )
    story = [*PROSE, *(f"{p[:-1]}, the report added." for p in PROSE)]
    assert _body(_ps(story) + "".join(teaser.format(i) for i in range(3))) == story


# --- lines in an inline wrapper set in a block ----------------------------------------------------------------
@pytest.mark.parametrize(
    "wrapper",
    ["<font size='3'>{}</font>", "<span>{}</span>", "<table><tr><td><font face='Arial'>{}</font></td></tr></table>"],
)
def test_lines_in_an_inline_wrapper_keep_the_first_line(wrapper):
    # trafilatura drops the wrapper's own text before its first <br>: the story's opening line
    assert _body(wrapper.format("<br>".join(PROSE))) == PROSE


def test_a_wrapper_with_breaks_inside_a_paragraph_stays_inline():
    tree = lxml.html.fromstring(f"<html><body><article><p>{PROSE[0]} <span>a<br>b</span> end.</p></article></body></html>")
    prune_html(tree)
    assert tree.find(".//p/span") is not None


# --- sentences about copyright --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    ["Copyright law was at the centre of the case.", "وقالت المحكمة إن حقوق النشر محمية بموجب القانون."],
)
def test_a_sentence_about_copyright_is_story_text(line):
    assert classify(line) is None


@pytest.mark.parametrize(
    "line",
    ["Copyright 2019 The Associated Press.", "Copyright Daily Times", "جميع حقوق النشر محفوظة", "حقوق النشر لموقع الوسط 2019"],
)
def test_copyright_notices_are_credits(line):
    assert classify(line) == CREDIT


# --- boxes of other stories under an English header -----------------------------------------------------------
@pytest.mark.parametrize("header", ["More from Politics", "More on this story", "Most Read", "Trending now", "Up next"])
def test_english_headers_of_other_stories_are_read_also_headers(header):
    assert classify(header) == READ_ALSO_HEADER


@pytest.mark.parametrize(
    "line", ["More from the budget will go to schools, the mayor said.", "More than 300 people attended.", "Trending down"]
)
def test_prose_opening_like_such_a_header_is_story_text(line):
    assert classify(line) is None


def test_teaser_cards_under_a_more_from_header_leave_with_it():
    card = (
        "<article><h3><a href='/r{0}'>Mayor resigns after scandal number {0}</a></h3>"
        "<p>The mayor said he would step down at the end of the month after weeks of pressure.</p></article>"
    )
    box = "<section><h2>More from Politics</h2>" + card.format(1) + card.format(2) + "</section>"
    assert _body(_ps(PROSE) + box) == PROSE


def test_a_card_without_a_linked_heading_after_such_a_header_stays():
    inner = _ps(PROSE[:2]) + "<h2>More on this story</h2><div><h3>What the plan costs</h3><p>" + PROSE[2] + "</p></div>"
    assert _body(inner + _ps(PROSE[3:])) == PROSE[:2] + ["What the plan costs", *PROSE[2:]]


# --- a paragraph that is a link to another story of the site ---------------------------------------------------
@pytest.mark.parametrize(
    "href",
    ["https://dailytimes.example/news/2019/11/18/housing-plan", "/news/123456", "https://www.dailytimes.example/mayor-unveils-housing-plan"],
)
def test_a_paragraph_linking_to_another_story_of_the_site_is_not_put_back(href):
    link = f"<p><strong><a href='{href}'>Mayor unveils housing plan for the north</a></strong></p>"
    assert _body(_ps(PROSE[:2]) + link + _ps(PROSE[2:])) == PROSE


@pytest.mark.parametrize(
    "href", ["https://shop.example/d/performance-energize-tub", "https://dailytimes.example/shop"]
)
def test_a_linked_line_to_another_site_or_no_story_is_put_back(href):
    # precision mode drops it as mostly a link; it is the story's own line (a product in a plan, a section)
    link = f"<p><a href='{href}'>Performance Energize</a></p>"
    assert _body(_ps(PROSE[:2]) + link + _ps(PROSE[2:])) == [*PROSE[:2], "Performance Energize", *PROSE[2:]]


# --- paragraphs a CMS wrote as divs among its <p>s --------------------------------------------------------------
def test_a_run_of_text_divs_between_paragraphs_is_story_text():
    # one such div between two <p>s was already a paragraph; two in a row were both dropped by trafilatura
    story = [*PROSE, "The budget also sets aside money for cycle lanes along the river, first proposed in 2012."]
    inner = _ps(story[:2]) + "".join(f"<div>{p}</div>" for p in story[2:4]) + _ps(story[4:])
    assert _body(inner) == story


def test_a_run_of_text_divs_after_the_story_is_left_alone():
    tree = lxml.html.fromstring(f"<html><body><article>{_ps(PROSE[:2])}<div>Jane Smith</div><div>Staff writer</div></article></body></html>")
    prune_html(tree)
    assert [d.text for d in tree.iter("div")] == ["Jane Smith", "Staff writer"]


def test_a_sentence_mostly_linking_to_another_story_of_the_site_is_put_back():
    line = "<p><a href='/news/2019/11/18/housing-plan'>The council approved a housing plan for the north last week</a>, too.</p>"
    body = _body(_ps(PROSE[:2]) + line + _ps(PROSE[2:]))
    assert "The council approved a housing plan for the north last week, too." in body


# --- time stamps and reading times above the story ---------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Posted: Nov 19, 2019 / 10:32 AM EST / Updated: Nov 19, 2019 / 11:00 AM EST",
        "Nov 19, 2019 10:32 am | 3 min read",
        "5 min read",
        "Reading time: 4 minutes",
    ],
)
def test_labelled_stamps_and_reading_times_are_date_lines(line):
    assert classify(line) == DATE_LINE


@pytest.mark.parametrize(
    "line", ["9.30 A.M. / 7.00 P.M.", "Updated 9.30 a.m. / 7.00 p.m.", "It is a 5 min read, and worth every minute of it."]
)
def test_schedules_and_sentences_with_a_reading_time_are_no_stamp(line):
    assert classify(line) is None


def test_a_stamp_with_a_reading_time_above_the_story_leaves_the_body():
    assert _body("<p>Nov 19, 2019 10:32 am | 3 min read</p>" + _ps(PROSE)) == PROSE
