"""Body rules for classes found on the tuning part of the real pages (bench/extract_real.py), one fixture
each: data-table rows, repeated list lines, labelled links to other stories, author contact and
newsletter lines."""

from __future__ import annotations

import lxml.html
import pytest
from lxml import etree

from workers.clean.boilerplate import (
    DATE_LINE,
    FOLLOW_LINE,
    READ_ALSO_HEADER,
    READ_ALSO_LINE,
    TAGS,
    classify,
    clean_paragraphs,
    prune_html,
)
from workers.clean.extract import _drop_empty_before_text, extract_article
from workers.clean.outtree import table_paragraphs
from workers.clean.restore import restore_dropped
from workers.clean.textutil import clean_ws

PROSE = [
    "The state spent nearly half a million dollars on the campaign, officials said on Monday evening.",
    "Critics said the slogan was confusing, and the governor defended it in a statement on Tuesday.",
    "The agency plans a second phase of the campaign next year, with a larger budget for schools.",
]


def _body_of(title: str, inner: str, *, slug: str | None = None) -> str:
    """The body extract_article finds in an <article> of ``inner`` under an <h1> of ``title``."""
    page = (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{inner}</article></body></html>"
    )
    return str(extract_article(page.encode(), f"https://example.com/{slug or title.lower()}")["body"])


# --- tables in the body ---------------------------------------------------------------------------
def test_data_table_row_is_one_line_of_cells_without_bars():
    table = etree.fromstring(
        "<table><tr><th>Pos.</th><th>Driver</th><th>Points</th></tr>"
        "<tr><td>1</td><td>Kyle Busch</td><td>5040</td></tr></table>"
    )
    assert table_paragraphs(table) == ["Pos. Driver Points", "1 Kyle Busch 5040"]


def test_furniture_row_keeps_its_bars_and_is_dropped_as_navigation():
    table = etree.fromstring("<table><tr><td>روابط</td><td>الرئيسية</td></tr></table>")
    assert table_paragraphs(table) == ["روابط | الرئيسية"]
    assert clean_paragraphs([*PROSE, "روابط | الرئيسية"])[0] == PROSE


def test_table_in_a_page_body_reaches_the_article_without_bars():
    rows = "".join(f"<tr><td>{i}</td><td>Driver {i}</td><td>{5000 - i}</td></tr>" for i in range(1, 6))
    page = (
        "<html><head><title>Standings</title></head><body><article><h1>Standings</h1>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + f"<table>{rows}</table></article></body></html>"
    )
    body = extract_article(page.encode(), "https://example.com/standings")["body"]
    assert "1 Driver 1 4999" in body.split("\n\n")
    assert "|" not in body


# --- repeated lines -------------------------------------------------------------------------------
def test_short_lines_repeated_in_lists_are_kept():
    paragraphs = [PROSE[0], "Pre-Workout Meal", "Eat every 2–3 hours", PROSE[1], "Pre-Workout Meal", "Eat every 2–3 hours"]
    assert clean_paragraphs(paragraphs)[0] == paragraphs


def test_a_sentence_printed_twice_is_dropped_once():
    kept, removed = clean_paragraphs([PROSE[0], PROSE[1], PROSE[0], PROSE[2]])
    assert kept == PROSE and removed == [PROSE[0]]


def test_a_sentence_under_each_of_three_lists_is_list_content_and_stays():
    meal = "Asparagus and Eggs [1 cup asparagus, 2 soft-boiled or poached eggs, ½ cup sweet potato]"
    paragraphs = [PROSE[0], "Plan A", meal, "Plan B", meal, "Plan C", meal, PROSE[1]]
    assert clean_paragraphs(paragraphs)[0] == paragraphs


# --- related blocks -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    ["Related: Possible Water Plumes on Europa: The Discovery in Images", "SEE MORE: Hong Kong protests: 800 students under siege"],
)
def test_labelled_link_to_another_story_is_a_read_also_line(line):
    assert classify(line) == READ_ALSO_LINE


@pytest.mark.parametrize("line", ["DON'T MISS", "More:", "See more"])
def test_related_box_headers(line):
    assert classify(line) == READ_ALSO_HEADER


def test_related_box_header_drops_the_headlines_under_it():
    headlines = ["China furious at Macron for Hong Kong protest jibe [INSIGHT]", "Hong Kong 'threatened with intervention'"]
    assert clean_paragraphs([PROSE[0], "DON'T MISS", *headlines, PROSE[1]])[0] == PROSE[:2]


@pytest.mark.parametrize(
    "line",
    [
        "More than 40 people were injured in the blast, the ministry said.",
        "Related to this, the minister said the talks would resume next week.",
        "See the full results below.",
    ],
)
def test_prose_opening_with_a_label_word_is_kept(line):
    assert classify(line) is None


# --- author contact, newsletters -----------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "Have a tip? Amy Kuperinsky may be reached at akuperinsky@example.com. Follow her on Twitter @AmyKup or on Facebook.",
        'Mike Wall\'s book about the search for alien life, "Out There", is out now. Follow him on Twitter @michaeldwall.',
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "Follow AP's full coverage of Brexit and British politics at https://www.apnews.com/Brexit",
        "Follow Jill Lawless on Twitter at http://twitter.com/JillLawless",
    ],
)
def test_author_contact_and_newsletter_lines(line):
    assert classify(line) == FOLLOW_LINE


@pytest.mark.parametrize(
    "line",
    [
        "Police said they would follow him on foot until the border.",
        "You can also subscribe to this newsletter here — just tick the box.",
        "Follow the money, investigators said, and the coverage of the scandal grew.",
        "Following a two-day trial in September, a federal jury deliberated for less than 10 minutes.",
    ],
)
def test_prose_about_following_or_newsletters_is_kept(line):
    assert classify(line) is None


# --- hover cards in running text -------------------------------------------------------------------
def test_hover_card_in_a_paragraph_goes_and_the_name_and_the_sentence_stay():
    card = (
        '<span class="rollover-people"><a href="/people/ilhan-omar">Ilhan Omar</a>'
        '<span class="rollover-people-block"><span class="rollover-block"><span><img src="/omar.jpg" alt="">'
        '<a class="name" href="/people/ilhan-omar">Ilhan Omar</a>'
        '<a href="/story/1">Progressives oppose funding bill over surveillance authority</a> '
        '<a href="/story/2">Omar asks court to apply compassion in sentencing</a></span></span></span></span>'
    )
    page = (
        "<html><head><title>Plea</title></head><body><article><h1>Plea</h1>"
        f"<p>A New York man pleaded guilty to charges he threatened to kill Rep. {card} (D-Minn.), the office said.</p>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</article></body></html>"
    )
    body = extract_article(page.encode(), "https://example.com/plea")["body"]
    assert body.split("\n\n")[0] == (
        "A New York man pleaded guilty to charges he threatened to kill Rep. Ilhan Omar (D-Minn.), the office said."
    )
    assert "surveillance" not in body


def test_inline_links_without_an_image_are_running_text():
    page = (
        "<html><head><title>Links</title></head><body><article><h1>Links</h1>"
        '<p>The report <span>cites <a href="/a">the first study</a> and <a href="/b">the second one</a></span>.</p>'
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</article></body></html>"
    )
    body = extract_article(page.encode(), "https://example.com/links")["body"]
    assert body.split("\n\n")[0] == "The report cites the first study and the second one."


# --- the title again, worded a little differently ---------------------------------------------------
def test_title_reworded_above_the_text_is_dropped():
    kept, _ = clean_paragraphs(
        ["Milan Design Week 2018 | Michael Anastassiades’ light installation for FLOS", *PROSE],
        title="Milan Design Week 2018 | Anastassiades' light installation for FLOS",
    )
    assert kept == PROSE


def test_a_lead_sharing_some_words_with_the_title_stays():
    lead = "Libya's parliament approved the budget on Monday after a long session in Tobruk."
    kept, _ = clean_paragraphs([lead, *PROSE], title="Libya's parliament approves budget")
    assert kept == [lead, *PROSE]


# --- teaser cards: a link wrapping a heading -------------------------------------------------------
def test_link_wrapping_a_heading_is_a_teaser_card_and_goes():
    cards = "".join(
        f'<article class="promo-item"><a href="/story/{i}"><img src="/{i}.jpg"><h3>Other story number {i} '
        "about the awards</h3></a></article>"
        for i in range(3)
    )
    tree = lxml.html.document_fromstring(
        "<html><body><article><h1>Reunion</h1>" + "".join(f"<p>{p}</p>" for p in PROSE) + cards + "</article></body></html>"
    )
    removed = prune_html(tree)
    assert "Other story number 1 about the awards" in removed
    assert [clean_ws(p.text_content()) for p in tree.iter("p", "h3")] == PROSE


def test_a_subheading_holding_a_link_stays():
    body = _body_of(
        "Tariffs",
        f"<p>{PROSE[0]}</p><h2>Who pays the <a href='/cost'>cost of a tariff</a>?</h2><p>{PROSE[1]}</p>"
        f"<p>{PROSE[2]}</p>",
    )
    assert "Who pays the cost of a tariff?" in body.split("\n\n")


# --- embedded posts in a "social" / "embed" wrapper ---------------------------------------------------
TWEET = (
    '<div class="social-media-embed"><blockquote class="twitter-tweet"><p lang="en">Yes this is real and yes '
    'the state spent nearly half a million dollars on it</p>— Dianna E. Anderson (@diannaeanderson) '
    '<a href="https://twitter.com/diannaeanderson/status/1">November 18, 2019</a></blockquote></div>'
)


def test_embedded_post_in_a_social_wrapper_stays_in_the_body():
    body = _body_of("Slogan", f"<p>{PROSE[0]}</p><p>{PROSE[1]}</p>{TWEET}<p>{PROSE[2]}</p>")
    assert "Yes this is real and yes the state spent nearly half a million dollars on it" in body
    assert body.endswith(PROSE[2])


def test_a_social_share_bar_without_an_embedded_post_still_goes():
    tree = lxml.html.document_fromstring(
        "<html><body><article><p>" + PROSE[0] + "</p>" + TWEET + '<div class="social-share"><a href="/s">Share on '
        'Facebook</a> <a href="/t">Tweet</a></div></article></body></html>'
    )
    removed = prune_html(tree)
    assert "Share on Facebook Tweet" in removed
    assert tree.find(".//blockquote") is not None


# --- subheadings written as a bare text div between paragraphs -----------------------------------------
def test_text_div_between_paragraphs_is_a_paragraph_of_the_story():
    body = _body_of(
        "Tariffs",
        f"<p>{PROSE[0]}</p><p>{PROSE[1]}</p><div class='pf_subheadline'>Don’t tariffs produce revenue?</div>"
        f"<p>{PROSE[2]}</p>",
    )
    assert body.split("\n\n") == [PROSE[0], PROSE[1], "Don’t tariffs produce revenue?", PROSE[2]]


def test_a_div_with_blocks_or_without_paragraphs_around_it_is_left_alone():
    tree = lxml.html.document_fromstring(
        f"<html><body><article><p>{PROSE[0]}</p><div><p>{PROSE[1]}</p></div><p>{PROSE[2]}</p>"
        "<div>Footer line</div></article></body></html>"
    )
    prune_html(tree)
    assert [d.tag for d in tree.find(".//article")] == ["p", "div", "p", "div"]


# --- a span classed "link" in running text ----------------------------------------------------------------
def test_words_in_a_span_classed_link_stay_in_their_sentence():
    sentence = (
        "CBS Sports Insider Jason La Canfora has reported that <span class='link'><a href='/fine'>the NFL will "
        "fine Rudolph</a></span> for his role in the fight."
    )
    body = _body_of("Fight", f"<p>{PROSE[0]}</p><p>{sentence}</p><p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    assert (
        "CBS Sports Insider Jason La Canfora has reported that the NFL will fine Rudolph for his role in the fight."
        in body.split("\n\n")
    )
    assert "reported that for his role" not in body


# --- story text trafilatura's precision mode dropped between kept paragraphs ------------------------------
def _story(inner: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body><article><div class='entry'>{inner}</div></article></body></html>")


def test_a_dropped_heading_between_kept_paragraphs_is_put_back_in_place():
    tree = _story(
        f"<p>{PROSE[0]}</p><h2><strong><div class='spacer'></div>Meal Prep Menu for Eating Plan A</strong></h2>"
        f"<p>{PROSE[1]}</p><p><a href='/energize'>Beachbody Performance Energize</a></p><p>{PROSE[2]}</p>"
    )
    assert restore_dropped(tree, PROSE) == [
        PROSE[0], "Meal Prep Menu for Eating Plan A", PROSE[1], "Beachbody Performance Energize", PROSE[2],
    ]


def test_nothing_before_the_first_or_after_the_last_kept_paragraph_comes_back():
    tree = _story(f"<h3>Top stories today</h3>{''.join(f'<p>{p}</p>' for p in PROSE)}<p>Explore further</p>")
    assert restore_dropped(tree, PROSE) == PROSE


def test_credit_lines_after_the_story_come_back():
    credits = ["More information: G. Petit et al. Hibernation and Torpor (2018).", "Provided by European Space Agency"]
    tree = _story(
        "".join(f"<p>{p}</p>" for p in PROSE)
        + "<div>Explore further: Unravelling the neural network of torpor</div>"
        + "".join(f"<div>{c}</div>" for c in credits)
    )
    assert restore_dropped(tree, PROSE) == [*PROSE, *credits]


def test_kept_text_split_at_breaks_or_partly_kept_is_not_put_back_twice():
    tree = _story(
        f"<p>{PROSE[0]}</p><p>June 9 – West Palm Beach<br>June 10 – Tampa</p><p>{PROSE[1]}</p>"
        f"<p>It said <span class='x'>that it</span> would appeal the ruling before the end of the month, and that "
        f"its lawyers had already filed the papers with the court in the capital.</p><p>{PROSE[2]}</p>"
    )
    partly = (
        "It said would appeal the ruling before the end of the month, and that its lawyers had already filed the "
        "papers with the court in the capital."
    )
    kept = [PROSE[0], "June 9 – West Palm Beach", "June 10 – Tampa", PROSE[1], partly, PROSE[2]]
    assert restore_dropped(tree, kept) == kept


def test_a_capitals_call_to_action_link_is_not_put_back():
    tree = _story(
        f"<p>{PROSE[0]}</p><p><a href='/app'>GET FOX BUSINESS ON THE GO BY CLICKING HERE</a></p><p>{PROSE[1]}</p>"
        f"<p>{PROSE[2]}</p>"
    )
    assert restore_dropped(tree, PROSE) == PROSE


def test_restored_heading_reaches_the_article_body():
    heading = "<h2><strong><div class='height-spacer'></div>Meal Prep Menu for Eating Plan A<div></div></strong></h2>"
    body = _body_of("Menu", f"<p>{PROSE[0]}</p>{heading}<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    assert body.split("\n\n") == [PROSE[0], "Meal Prep Menu for Eating Plan A", PROSE[1], PROSE[2]]


# --- the deck: a heading right under the headline ------------------------------------------------------------
def test_heading_right_under_the_headline_is_the_deck_and_goes():
    body = _body_of(
        "Nelson's OT goal lifts Isles",
        "<h5 class='deck'>N.Y. completes frantic comeback to extend unbeaten streak to 15</h5>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "<h2>What comes next</h2><p>The team plays again on Thursday night at home against Boston.</p>",
        slug="isles",
    )
    assert "frantic comeback" not in body
    assert body.split("\n\n")[:3] == PROSE
    assert "What comes next" in body.split("\n\n")


def test_a_heading_kept_in_part_is_replaced_by_the_whole_heading():
    tree = _story(
        f"<p>{PROSE[0]}</p><h2><strong>5 Tips to Enjoy Game D</strong><strong>ay Parties on Track:</strong></h2>"
        f"<p>{PROSE[1]}</p><p>{PROSE[2]}</p>"
    )
    kept = [PROSE[0], "ay Parties on Track:", PROSE[1], PROSE[2]]
    assert restore_dropped(tree, kept) == [PROSE[0], "5 Tips to Enjoy Game Day Parties on Track:", PROSE[1], PROSE[2]]


@pytest.mark.parametrize(
    "box",
    [
        "<div class='pull-quote pull-quote--left'>All contact between the two families dissolved.</div>",
        "<aside class='o6p93a-0'>“Their immune system behaves in an exaggerated fashion”</aside>",
    ],
)
def test_a_pull_quote_between_kept_paragraphs_comes_back(box):
    tree = _story(f"<p>{PROSE[0]}</p>{box}<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    quote = lxml.html.fragment_fromstring(box).text_content()
    assert restore_dropped(tree, PROSE) == [PROSE[0], quote, PROSE[1], PROSE[2]]


def test_an_aside_that_is_no_quotation_stays_out():
    tree = _story(f"<p>{PROSE[0]}</p><aside class='inset--story'>In recent months, hundreds of people got sick.</aside>"
                  f"<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    assert restore_dropped(tree, PROSE) == PROSE


# --- call-to-action boxes -------------------------------------------------------------------------------------
def test_a_call_to_action_box_goes_with_its_header():
    box = (
        "<div class='nrplus-cta-wrap'><div class='nrplus-cta'><h4>Something to Consider</h4><div><p>If you enjoyed "
        "this article, we have a proposition for you: Join NRPLUS. Members get all of our content.</p></div></div></div>"
    )
    body = _body_of("Schiff", "".join(f"<p>{p}</p>" for p in PROSE) + box)
    assert body.split("\n\n") == PROSE


# --- third round: time stamps, taxonomy lines, "Also:" links, click-to-tweet boxes -------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "5:45 AM PST 11/19/2019 by Patrick Shanley",
        "Updated at 1:23 p.m.",
        "Published: November 19, 2019 at 10:02 a.m. ET",
        "Last updated on Nov. 19, 2019",
        "Updated 3:15 PM ET, Tue November 19, 2019",
        "By Jane Doe, CNN Updated 10:22 PM ET, Mon November 18, 2019",
        "Posted 2 hours ago",
    ],
)
def test_an_english_time_stamp_line_is_a_date_line(line):
    assert classify(line) == DATE_LINE


@pytest.mark.parametrize(
    "line",
    [
        "May 5",  # a timeline entry's heading
        "9.30 A.M. / 7.00 P.M.",  # opening hours: two times
        "29 November 2018 | 20 January 2019",  # an event's dates: two years
        "June 3 – Dallas, TX",  # a tour date
        "The vote was 5-4 on Monday.",
        "On May 3, 2019, by order of the court",
        "by 5 p.m.",
    ],
)
def test_dates_that_are_information_in_the_story_are_no_time_stamp(line):
    assert classify(line) is None


def test_time_stamp_and_byline_above_the_story_leave_the_body():
    body = _body_of("Stadia", "<p>5:45 AM PST 11/19/2019 by Patrick Shanley</p>" + "".join(f"<p>{p}</p>" for p in PROSE))
    assert body.split("\n\n") == PROSE


@pytest.mark.parametrize("line", ["Filed under: Khawarij |", "Posted in: News, World", "Topics: Brexit | EU"])
def test_english_taxonomy_lines_are_tag_lines(line):
    assert classify(line) == TAGS


@pytest.mark.parametrize("line", ["Posted in Hong Kong, the letter was signed by 40 lawmakers.", "Filed under seal, the complaint names three officers."])
def test_prose_opening_with_a_taxonomy_word_is_kept(line):
    assert classify(line) is None


def test_also_label_opens_a_link_to_other_coverage():
    assert classify("Also: See Black Friday coverage at CNET") == READ_ALSO_LINE
    assert classify("Also on Monday, the company said it would cut 200 jobs.") is None


def test_click_to_tweet_box_is_its_sentence_without_the_button():
    quote = "I believe the number one enemy of online progress is the flood of information we see every day."
    box = (
        "<a href='https://twitter.com/share?text=x' rel='nofollow'><span class='sw-click-to-tweet'>"
        f"<span class='sw-ctt-text'>{quote}</span><span class='sw-ctt-btn'>Click To Tweet</span></span></a>"
    )
    body = _body_of("Focus", f"<p>{PROSE[0]}</p>{box}<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    assert body.split("\n\n") == [PROSE[0], quote, PROSE[1], PROSE[2]]


def test_click_to_tweet_box_without_a_link_keeps_its_sentence_once():
    quote = "Focus is the one habit that separates the businesses that grow from the ones that stall."
    box = f"<div class='bctt-click-to-tweet'><span class='bctt-ctt-text'>{quote}</span><span class='bctt-ctt-btn'>Tweet</span></div>"
    tree = lxml.html.fromstring(f"<html><body><article><p>{PROSE[0]}</p>{box}<p>{PROSE[1]}</p></article></body></html>")
    prune_html(tree)
    assert [clean_ws(p.text_content()) for p in tree.iter("p")] == [PROSE[0], quote, PROSE[1]]


def test_a_promo_block_goes_with_the_header_its_teaser_cards_leave():
    promo = (
        "<section class='pushdown-promo'><h3 class='pushdown-promo-title'>2019 American Music Awards</h3>"
        "<article class='promo-item'><a href='/articles/8540229'><img src='/a.jpg'><h3>Post Malone leads the "
        "nominations</h3></a></article></section>"
    )
    body = _body_of("Doobie", promo + "".join(f"<p>{p}</p>" for p in PROSE))
    assert body.split("\n\n") == PROSE


def test_an_italic_line_under_an_image_is_a_caption_and_goes():
    image = "<p><a href='/light-a-wish.jpg'><img src='/light-a-wish.jpg' alt=''></a></p>"
    body = _body_of("Light", f"<p>{PROSE[0]}</p>{image}<p><em>Light a Wish by OGE Group</em></p><p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    assert body.split("\n\n") == PROSE


@pytest.mark.parametrize(
    "inner",
    [
        f"<p>{PROSE[0]}</p><p><em>Editor's note: this story was updated with the agency's statement.</em></p>",
        f"<p><img src='/a.jpg'></p><p><em>{PROSE[0]} {PROSE[1]}</em></p>",  # too long for a caption
        "<p><img src='/a.jpg'></p><p>The minister <em>refused</em> to comment.</p>",  # not all in italics
    ],
)
def test_italic_text_that_is_no_caption_under_an_image_stays(inner):
    tree = lxml.html.fromstring(f"<html><body><article>{inner}</article></body></html>")
    italic = [clean_ws(p.text_content()) for p in tree.iter("p") if clean_ws(p.text_content())]
    prune_html(tree)
    assert [clean_ws(p.text_content()) for p in tree.iter("p") if clean_ws(p.text_content())] == italic


# --- loss classes found on page shapes written for the purpose (none occurs in the tuning part) ---------------
STORY = [
    f"Paragraph {word} of the story describes one more detail of the council's transit plan and what it costs residents."
    for word in ("one", "two", "three", "four", "five", "six")
]
STATE_BLOB = "<script>window.__STATE__ = {" + ",".join(f'"k{i}": "{"x" * 40}"' for i in range(300)) + "}</script>"


def _page(inner: str, *, head: str = "") -> bytes:
    nav = "<nav class='menu'><ul>" + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(12)) + "</ul></nav>"
    return (
        f"<html><head><title>Council approves plan</title></head><body>{head}{nav}<main><article>"
        f"<h1>Council approves plan</h1>{inner}</article></main><footer><a href='/about'>About us</a></footer></body></html>"
    ).encode()


def _story_body(inner: str, *, head: str = "") -> list[str]:
    return str(extract_article(_page(inner, head=head), "https://example.com/news/council-plan")["body"]).split("\n\n")


@pytest.mark.parametrize("classes", ["entry-content comments-enabled", "article-body js-subscription-content", "story-body newsletter-enabled"])
def test_a_story_container_with_a_furniture_word_in_its_class_survives_a_page_heavy_with_scripts(classes):
    # the script's text is no text a reader sees: the story is most of the page, so its container stays
    assert _story_body(f"<div class='{classes}'>{''.join(f'<p>{p}</p>' for p in STORY)}</div>", head=STATE_BLOB) == STORY


def test_a_short_story_in_such_a_container_is_measured_against_the_text_a_reader_sees():
    # two paragraphs are no running text (that guard needs three): only the visible-text share keeps them
    assert _story_body(f"<div class='entry-content comments-enabled'><p>{STORY[0]}</p><p>{STORY[1]}</p></div>", head=STATE_BLOB) == STORY[:2]


def test_a_story_container_with_a_furniture_word_in_its_class_survives_a_page_heavy_with_menus():
    links = "".join(f"<li><a href='/t{i}'>Another topic page {i}</a></li>" for i in range(30))
    menus = "".join(f"<div class='col'><h4>Topic {i}</h4><ul>{links}</ul></div>" for i in range(12))
    inner = f"<div class='entry-content social-ready'>{''.join(f'<p>{p}</p>' for p in STORY)}</div>"
    assert _story_body(inner, head=f"<div class='mega'>{menus}</div>") == STORY


def test_a_share_block_of_short_links_still_goes_on_a_page_heavy_with_scripts():
    share = "<div class='social-share'><a href='/f'>Facebook</a> <a href='/t'>Twitter</a> <a href='/e'>Email</a></div>"
    assert _story_body(share + "".join(f"<p>{p}</p>" for p in STORY), head=STATE_BLOB) == STORY


@pytest.mark.parametrize(
    "label",
    ["<div class='meta'>No Comments</div>", "<div class='meta'><a href='#respond'>Leave a comment</a></div>", "<p>Comments</p>"],
)
def test_a_comments_label_above_the_story_does_not_take_the_story_with_it(label):
    assert _story_body(label + "".join(f"<p>{p}</p>" for p in STORY)) == STORY


def test_a_comments_label_inside_the_story_is_dropped_alone():
    paragraphs = [STORY[0], "Comments", *STORY[1:]]
    assert clean_paragraphs(paragraphs)[0] == STORY


def test_the_comments_after_the_story_still_go():
    comments = ["Great news for the city.", "About time!", "Who pays for this?"]
    assert clean_paragraphs([*STORY, "Comments", *comments])[0] == STORY
    inner = "".join(f"<p>{p}</p>" for p in STORY) + "<h3>Leave a Reply</h3>" + "".join(f"<p>{c}</p>" for c in comments)
    assert _story_body(inner) == STORY


@pytest.mark.parametrize(
    "line",
    [
        "The bakery on the corner said it sold twice as many cookies on the day of the vote.",
        "The city also settled a copyright dispute over the plan's logo.",
        "Read more about the plan on the city's website, where the documents are published.",
    ],
)
def test_prose_with_a_banner_word_is_story_text(line):
    assert classify(line) is None
    assert _story_body("".join(f"<p>{p}</p>" for p in [STORY[0], line, *STORY[1:]])) == [STORY[0], line, *STORY[1:]]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("We use cookies to improve your experience. By browsing this site you agree.", "cookie"),
        ("نستخدم ملفات تعريف الارتباط لتحسين تجربتك", "cookie"),
        ("Copyright 2019 Example News", "credit"),
        ("Copyright Example News Ltd", "credit"),
        ("Read more: Council delays vote on bus lanes", READ_ALSO_LINE),
        ("اقرأ أيضا: المجلس يوافق على الخطة", READ_ALSO_LINE),
    ],
)
def test_banners_notices_and_read_more_lines_still_go(line, kind):
    assert classify(line) == kind


# --- furniture lines found on page shapes written for the purpose ------------------------------------------
@pytest.mark.parametrize(
    "line",
    ["Advertisement", "ADVERTISEMENT", "Story continues below advertisement", "Scroll to continue with content", "إعلان"],
)
def test_ad_slot_labels_leave_the_body(line):
    assert _story_body("".join(f"<p>{p}</p>" for p in [STORY[0], line, *STORY[1:]])) == STORY


@pytest.mark.parametrize("line", ["Sponsored by the city, the festival drew 4,000 people.", "Ad hoc committees met twice."])
def test_prose_opening_with_an_ad_word_stays(line):
    assert classify(line) is None


@pytest.mark.parametrize(("line", "kind"), [("Share this article", "share"), ("Share this story on Facebook", "share"), ("Tags", TAGS), ("Topics", TAGS)])
def test_share_and_tag_labels_of_english_templates(line, kind):
    assert classify(line) == kind


def test_share_prose_stays():
    assert classify("Share prices of the contractor rose 4% after the vote.") is None


@pytest.mark.parametrize("line", ["Written by Jane Doe", "Posted by Jane Doe", "Story by Jane Doe and John Roe"])
def test_english_byline_with_a_verb_is_a_byline(line):
    fields = extract_article(_page("".join(f"<p>{p}</p>" for p in [line, *STORY])), "https://example.com/news/council-plan")
    assert str(fields["body"]).split("\n\n") == STORY
    assert fields["authors"][0] == "Jane Doe"


# --- pull quotes that repeat a sentence of the story -----------------------------------------------------------
def test_a_pull_quote_repeating_a_sentence_of_the_story_comes_back_with_its_attribution():
    sentence = ("“Had he taken that novel and written a sequence of five books based in that world, with that power and that voice, he "
                "would have been as famous as any writer of his generation.”")
    said = f"As the critic put it, {sentence} He did not."
    box = (f"<div class='pull-quote pull-quote--left'><span class='pull-quote__text'>{sentence}</span>\n"
           "<span class='pull-quote__attribution'>— The critic</span></div>")
    tree = _story(f"<p>{PROSE[0]}</p><p>{said}</p>{box}<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    quote = f"{sentence} — The critic"
    assert restore_dropped(tree, [PROSE[0], said, PROSE[1], PROSE[2]]) == [PROSE[0], said, quote, PROSE[1], PROSE[2]]


def test_a_pull_quote_kept_already_is_not_put_back_twice():
    box = "<div class='pull-quote'>All contact between the two families dissolved.</div>"
    tree = _story(f"<p>{PROSE[0]}</p>{box}<p>{PROSE[1]}</p><p>{PROSE[2]}</p>")
    kept = [PROSE[0], "All contact between the two families dissolved.", PROSE[1], PROSE[2]]
    assert restore_dropped(tree, kept) == kept


# --- story blocks that trafilatura's precision mode drops for how they look ---------------------------------
@pytest.mark.parametrize(
    "block",
    [
        "<div class='more-text border-bottom'>{}</div>",  # a utility class ending in "bottom"
        "<div id='article-bottom'>{}</div>",
        "<div style='border-left: 3px solid #ccc; padding-left: 10px'>{}</div>",  # a box drawn around the text
    ],
)
def test_story_paragraphs_in_a_block_with_a_bottom_class_or_a_border_stay(block):
    inner = "".join(f"<p>{p}</p>" for p in STORY[:3]) + block.format("".join(f"<p>{p}</p>" for p in STORY[3:]))
    assert _story_body(inner) == STORY


def test_a_single_bordered_note_under_the_story_still_goes():
    note = "<p style='font-size:10px; border-top:1px #999 solid'>Comments that are unreadable or disrespectful will not be approved by the moderator.</p>"
    tree = lxml.html.fromstring(f"<html><body><article>{''.join(f'<p>{p}</p>' for p in STORY)}{note}</article></body></html>")
    prune_html(tree)
    assert "border" in tree.findall(".//p")[-1].get("style")


def test_a_bottom_bar_of_links_keeps_its_class():
    bar = "<div class='share-bottom'><p><a href='/f'>Facebook</a> <a href='/t'>Twitter</a></p></div>"
    tree = lxml.html.fromstring(f"<html><body><article>{''.join(f'<p>{p}</p>' for p in STORY)}<div class='article-bottom'>{bar}</div></article></body></html>")
    prune_html(tree)
    assert tree.find(".//div[@class='article-bottom']") is not None


# --- text after an empty element ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "template",
    [
        "<p><span id='more-4711'></span>{}</p>",  # WordPress's "more" anchor opens the paragraph after the break
        "<blockquote><i class='fa fa-quote-left'></i>{}</blockquote>",  # an icon before a quotation
        "<p><b></b>{}</p>",
    ],
)
def test_text_after_an_empty_element_stays(template):
    # the story's last paragraph: nothing after it anchors the restore step, which puts back dropped paragraphs
    # only between kept ones
    inner = "".join(f"<p>{p}</p>" for p in STORY[:5]) + template.format(STORY[5])
    assert _story_body(inner) == STORY


def test_an_empty_element_without_text_after_it_is_left_alone():
    tree = lxml.html.fromstring(f"<html><body><article><p>{STORY[0]}<span class='anchor'></span></p></article></body></html>")
    _drop_empty_before_text(tree)
    assert tree.find(".//span[@class='anchor']") is not None
