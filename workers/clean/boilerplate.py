"""Arabic news boilerplate: removed from the HTML before extraction and from paragraphs after.

What goes: "اقرأ أيضاً" boxes and the links listed under them, share/follow/subscribe lines,
outlet credits between paragraphs, photo captions (figcaption, "(صورة: ...)", "الصورة:"),
reader comments, cookie banners, tag lines and the aggregators' "مصدر الخبر / ...",
"يمكنك ايضا قراءة الخبر في المصدر من ..." and "عن مصدر الخبر" lines.

Every phrase is matched on ``phrase_key`` (hamza/alef forms, ta marbuta, alef maqsura,
diacritics and tatweel folded, punctuation dropped), so "إقرأ أيضاً", "اقرأ ايضا" and
"اقرا أيضًا" are one phrase. Lines are only boilerplate when short: a real paragraph that starts
with "شارك الوزير..." or merely mentions "المصدر" is kept.

The two passes share one classifier (``classify``): the HTML pass finds short blocks whose text
it flags and drops them (plus the link lists under "read also" headers and everything after a
comments / "عن مصدر الخبر" header); the paragraph pass catches what sat inside one big text
block. trafilatura already drops much generic boilerplate; these rules are the Arabic and
Libyan-specific part it cannot know.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from lxml.html import HtmlElement

from .dateparse import DATE_WORDS
from .reposts import OUTLET_ALIASES
from .textutil import clean_ws, element_text, norm, phrase_key


def _keys(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({phrase_key(p) for p in phrases}, key=len, reverse=True))


READ_ALSO = _keys(
    (
        "اقرأ أيضاً", "إقرأ أيضاً", "اقرأ ايضا", "اقرأ كذلك", "اقرأ أيضا في", "طالع أيضاً", "طالع كذلك",
        "شاهد أيضاً", "شاهد كذلك", "انظر أيضاً", "اقرأ المزيد", "اقرأ في", "أخبار ذات صلة", "مواضيع ذات صلة",
        "مقالات ذات صلة", "أخبار متعلقة", "مواضيع متعلقة", "مقالات متعلقة", "قد يهمك أيضاً", "قد يعجبك أيضاً",
        "اخترنا لك", "المزيد من الأخبار", "أخبار أخرى", "ننصحك بقراءة", "ربما يعجبك", "المزيد حول",
        "read also", "read more", "see also", "related articles", "related news", "related posts", "more news",
        "you may also like",
    )
)  # fmt: skip
READ_ALSO_HEADERS_ONLY = _keys(
    ("اقرأ", "ذات صلة", "قد يهمك", "قد يعجبك", "related", "المزيد", "أيضاً", "more", "see more", "don't miss",
     # English boxes of other stories set in or under the story (a header alone on its line)
     "most read", "most popular", "most viewed", "trending", "trending now", "top stories", "latest news",
     "latest stories", "editor's picks", "editors' picks", "recommended", "recommended for you", "up next",
     "what to read next", "in case you missed it", "related coverage", "related stories", "more stories")
)  # fmt: skip
# "More from Politics", "More on this story", "Also on Daily Times": a header naming where the links below go.
_MORE_FROM_HEADER = re.compile(r"^\s*(?:more\s+(?:from|on|in|about)|also\s+on|latest\s+(?:from|in|on))\s+\w", re.I)
MORE_FROM_MAX_WORDS = 5
# "Related: <headline>", "SEE MORE: <headline>": an English label and a colon open a link to another story
# (the label alone can open prose: "More than 40 people...", "Related to this...").
_LABELLED_LINK = re.compile(r"^\s*(?:related|see more|see also|read more|read also|also read|more|also)\s*:", re.I)
# Author contact and bio lines under English stories ("Follow her on Twitter @x", "may be reached at ...",
# "Follow Jill Lawless on Twitter"), newsletter promotions ("Get the latest updates right in your inbox") and
# an agency's pointer to its coverage ("Follow AP's full coverage of Brexit ... at https://...").
_CONTACT = re.compile(
    r"\bfollow (?:him|her|them|me|us) on (?:twitter|x|facebook|instagram|linkedin|threads|bluesky|tiktok)\b"
    r"|\b(?:can|may) be reached at\b|\b(?:to|in) your inbox\b"
    r"|^\s*follow\s+(?:[\w'’.@-]+\s+){0,3}(?:coverage\b|on (?:twitter|facebook|instagram|linkedin)\b)"
    r"|^\s*follow\b[^.!?,]{0,120}https?://",
    re.I,
)
CONTACT_MAX_WORDS = 60
AGGREGATOR_FOOTER = _keys(("عن مصدر الخبر",))
READ_AT_SOURCE = _keys(("قراءة الخبر في المصدر", "قراءة الخبر من المصدر", "الخبر كاملا من المصدر"))
AGGREGATOR = _keys(
    (
        "مصدر الخبر", "يمكنك ايضا قراءة الخبر في المصدر", "يمكنك قراءة الخبر في المصدر",
        "يمكنك أيضا قراءة الخبر من المصدر", "اقرأ الخبر من المصدر", "لقراءة الخبر من المصدر",
        "اقرأ الخبر في المصدر", "قراءة الخبر في المصدر", "الخبر من المصدر",
    )
)  # fmt: skip
COMMENT_HEADERS = _keys(
    (
        "التعليقات", "تعليقات", "تعليقات القراء", "تعليقات الزوار", "أضف تعليق", "أضف تعليقاً", "إضافة تعليق",
        "اترك تعليقاً", "اترك تعليق", "اترك رداً", "اترك رد", "لا توجد تعليقات", "لا يوجد تعليقات",
        "كن أول من يعلق", "شاركنا رأيك", "أكتب تعليقك", "اكتب تعليقك", "comments", "leave a reply",
        "leave a comment", "add a comment", "add comment", "no comments", "post a comment",
    )
)  # fmt: skip
FOLLOW = _keys(
    (
        # only phrases that cannot open real prose ("اشترك في الهجوم", "انضم إلى الحكومة" can)
        "تابعونا على", "تابعونا عبر", "تابعنا على", "تابعنا عبر", "تابعوا صفحتنا", "تابعوا قناتنا",
        "تابعوا حساباتنا", "تابعونا", "للاشتراك في قناتنا", "للاشتراك في النشرة", "للاشتراك في خدمة",
        "اشترك في قناتنا", "اشترك في النشرة", "اشترك الآن", "اشترك ليصلك", "انضم إلى قناتنا",
        "انضموا إلى قناتنا", "انضم لقناتنا", "لمتابعة آخر الأخبار", "لمتابعة أخبارنا", "لمتابعة أهم الأخبار",
        "للمزيد من الأخبار تابعونا", "حمل تطبيق", "حملوا تطبيق", "تحميل تطبيق", "follow us", "subscribe to",
        "subscribe now", "join our", "download our app", "sign up for",
    )
)  # fmt: skip
SHARE_EXACT = _keys(
    ("شارك", "شاركها", "مشاركة", "انشر", "شارك الخبر", "شارك المقال", "share", "share this", "tweet")
)
_SHARE_NEXT = frozenset(phrase_key(w) for w in ("الخبر", "المقال", "المقالة", "هذا", "هذه", "على", "عبر", "الموضوع", "الصفحة", "مع", "via", "on", "this", "article", "story", "post", "page"))  # fmt: skip
_SHARE_HEADS = frozenset(
    phrase_key(w) for w in ("شارك", "شاركها", "شاركوا", "مشاركة", "انشر", "share", "tweet")
)
SOCIAL = frozenset(
    phrase_key(w)
    for w in (
        "فيسبوك", "فيس", "بوك", "الفيسبوك", "فيس بوك", "تويتر", "اكس", "واتساب", "واتس", "اب", "تيليجرام", "تلغرام",
        "تليجرام", "يوتيوب", "انستغرام", "انستجرام", "لينكد", "ان", "تيك", "توك", "بريد", "البريد", "طباعة",
        "الإلكتروني", "facebook", "twitter", "x", "whatsapp", "telegram", "youtube", "instagram", "linkedin",
        "tiktok", "email", "print", "messenger", "pinterest", "reddit", "copy", "link", "نسخ", "الرابط", "و",
    )
)  # fmt: skip
# Page tools of old agency / CMS templates: print, send to a friend, font size, save, PDF, RSS.
# A line is a tools line when it is made only of these phrases (and the SOCIAL words), in any order
# and with any separators: "طباعة | إرسال لصديق", "تكبير الخط - تصغير الخط", "A+ A-", "PDF | RSS".
# Single words such as "أرسل" or "الخط" open real sentences, so a line must be *only* tools.
UTILITY = _keys(
    (
        "طباعة", "اطبع", "إطبع", "طباعة الخبر", "طباعة الصفحة", "طباعة المقال", "نسخة للطباعة", "نسخة طباعة",
        "صفحة للطباعة", "إرسال", "ارسل", "أرسل", "إرسال لصديق", "أرسل لصديق", "ارسل الى صديق",
        "أرسل إلى صديق", "إرسال إلى صديق", "أرسل الخبر", "إرسال الخبر", "أرسل لصديقك", "ارسال بالبريد",
        "أرسل بالبريد الإلكتروني", "إرسال بالبريد الإلكتروني", "حجم الخط", "حجم الخط:", "تكبير الخط",
        "تصغير الخط", "تكبير", "تصغير", "الخط", "الخط الافتراضي", "حجم النص", "تكبير النص", "تصغير النص",
        "حفظ", "حفظ الخبر", "حفظ المقال", "pdf", "rss", "xml", "a", "aa", "شارك", "مشاركة", "شارك الخبر",
        "أضف إلى المفضلة", "إضافة للمفضلة", "المفضلة", "تعليق", "عودة", "رجوع", "العودة", "أعلى الصفحة",
        "أعلى", "إغلاق", "إغلاق النافذة", "font size", "print", "print this", "send", "send to a friend",
        "email this", "save", "share", "bookmark", "text size", "increase font", "decrease font",
        # the "loading" line of a page rendered by JavaScript
        "جاري التحميل", "جار التحميل", "يتم التحميل", "التحميل", "تحميل", "يرجى الانتظار", "الرجاء الانتظار",
        "loading", "please wait",
    )
)  # fmt: skip
_UTILITY_HEADS = frozenset(p.split()[0] for p in UTILITY)
# Labels an ad slot leaves in the text ("Advertisement", "Story continues below advertisement"): a line that is
# only one of them (an exact match: "Advertisement" opens no sentence, but "Sponsored by the city" does).
AD_LABELS = frozenset(
    phrase_key(p)
    for p in (
        "advertisement", "advertisements", "advertising", "ad", "ads", "sponsored", "sponsored content",
        "paid content", "story continues below", "story continues below advertisement", "article continues below",
        "article continues below advertisement", "article continues after advertisement", "continue reading below",
        "continue reading the main story", "scroll to continue", "scroll to continue with content",
        "skip advertisement", "skip ad", "remove ads", "إعلان", "اعلان", "إعلانات", "مساحة إعلانية", "محتوى مدفوع",
    )
)  # fmt: skip
# Counters under an article: "عدد القراءات: 174", "1,250 مشاهدة", "Views: 88".
COUNTER_WORDS = _keys(
    ("عدد القراءات", "عدد المشاهدات", "عدد الزيارات", "عدد التعليقات", "مرات القراءة", "القراءات", "المشاهدات",
     "الزيارات", "قراءة", "قراءات", "مشاهدة", "مشاهدات", "زيارة", "views", "reads", "hits", "view", "read")
)  # fmt: skip
TAG_LINES = _keys(
    ("الوسوم", "وسوم", "الكلمات المفتاحية", "كلمات مفتاحية", "كلمات دلالية", "الكلمات الدلالية", "tags",
     # English taxonomy lines under a post: "Filed under: Brexit | EU", "Posted in: News", "Topics: ..."
     "filed under", "filed in", "posted in", "posted under", "tagged", "tagged with", "topics", "related topics",
     "categories", "category")
)  # fmt: skip
_CAPTION = re.compile(
    r"^\s*[(\[]?\s*(?:ال)?صور[ةه](?:\s+[اأ]رشيفي[ةه])?\s*[:：\-–—)]|^\s*(?:photo|image|picture|credit)\s*[:(]",
    re.I,
)
# An English caption: a line of text closed by its picture credit, "Buses in the centre. (Photo by John Smith/Getty
# Images)", "... [AP Photo/Jane Doe]", "... Photo: John Smith/AP". A bare credit line ("(Image credit: All About
# Space)") is not matched: published reference bodies keep it (restore.py puts it back).
_TRAILING_PHOTO_CREDIT = re.compile(
    r"(?:[(\[][^()\[\]]*(?:\b(?:photo(?:graph)?s?|image|picture|pic)\b\s*(?:by\b|credit\b|:|/)|"
    r"getty\s+images|shutterstock|istock|alamy)[^()\[\]]*[)\]]"
    r"|[.!?]\s+(?:photo(?:graph)?|image|picture)\s*(?:by\b|credit\b|:)[^.()]{1,80})\s*$",
    re.I,
)
CAPTION_CREDIT_MAX_WORDS = 40
_CAPTION_EXACT = frozenset(phrase_key(w) for w in ("صورة أرشيفية", "أرشيفية", "صورة من الأرشيف", "صورة تعبيرية", "صورة توضيحية", "أرشيف"))  # fmt: skip
_INLINE_CAPTION = re.compile(
    r"\s*[(（\[]\s*(?:(?:ال)?صور[ةه]\s*[:：\-–]?[^()（）\[\]]{0,80}|[اأ]رشيفي[ةه]|photo\s*:[^()]{0,80})[)）\]]",
    re.I,
)
_SOURCE_LINE = re.compile(r"^\s*[(\[]?\s*(?:ال)?مصدر\s*[:/|\\\-–—]")
_NAQLAN_LINE = re.compile(r"^\s*[(\[]?\s*نقل[اًا]*\s+عن\s")
# A copyright notice, not a sentence about copyright ("The city settled a copyright dispute ...", "Copyright law
# was at the centre of the case", "وقالت المحكمة إن حقوق النشر محمية"): the sign, "all rights reserved" or
# "... محفوظة", "حقوق النشر" or "Copyright" opening the line (not followed by a lower-case word) or followed by a year or (c).
_COPYRIGHT = re.compile(
    r"©|جميع\s+الحقوق\s+محفوظ|^\W*حقوق\s+النشر|حقوق\s+النشر\s+(?:و\S+\s+)?محفوظ|all\s+rights\s+reserved|"
    r"^\W*copyright\b(?!\s+(?-i:[a-z]))|copyright\s*(?:\(c\)|\d{4})",
    re.I,
)
_COOKIE = re.compile(r"ملفات\s+تعريف\s+الارتباط|الكوكيز|الكوكيز|كوكيز|cookies?\b", re.I)
# A cookie banner says what the site does with them or asks to agree; a story may mention cookies that are baked.
_COOKIE_NOTICE = re.compile(
    r"\b(?:use[sd]?|using|accept|consent|polic(?:y|ies)|settings|preferences|browsing|experience|agree|enable)\b"
    r"|نستخدم|يستخدم|تستخدم|باستخدام|سياس[ةه]|توافق|موافق|تصفح|قبول",
    re.I,
)
_NAV_SPLIT = re.compile(r"\s*[|»«•·/>]\s*")
_NAV_WORDS = frozenset(
    phrase_key(w)
    for w in (
        "الرئيسية",
        "الصفحة الرئيسية",
        "home",
        "روابط",
        "اتصل بنا",
        "من نحن",
        "خريطة الموقع",
        "contact",
        "about us",
    )
)
_END_PUNCT = re.compile(r"[.!?؟…:»\"”]\s*$")
_TAG_SEP = re.compile(r"^[^:：|\-–—]{1,30}[:：|\-–—]")
# English time stamps printed as a line of their own above or under a story: "Updated at 1:23 p.m.",
# "5:45 AM PST 11/19/2019 by Patrick Shanley", "Published: November 19, 2019 at 10:02 a.m. ET",
# "Updated 3:15 PM ET, Tue November 19, 2019". Words in phrase_key form (punctuation gone: "p.m." is "p m").
STAMP_MONTHS = frozenset(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
)  # fmt: skip
STAMP_WORDS = STAMP_MONTHS | frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed",
     "thu", "thur", "thurs", "fri", "sat", "sun", "am", "pm", "a", "m", "p", "noon", "midnight",
     "et", "est", "edt", "pt", "pst", "pdt", "ct", "cst", "cdt", "mt", "mst", "mdt", "gmt", "utc", "bst", "cet",
     "cest", "ist", "aest", "aedt", "updated", "update", "published", "posted", "modified", "last", "first",
     "originally", "on", "at", "ago", "hour", "hours", "minute", "minutes", "min", "mins", "day", "days", "week",
     "weeks", "month", "months", "year", "years")
)  # fmt: skip
STAMP_LABELS = frozenset(("updated", "update", "published", "posted", "modified", "ago", "am", "pm"))
_MOMENT_LABELS = frozenset(("updated", "update", "published", "posted", "modified"))
# "5 min read", "3 minute read", "Reading time: 4 minutes"
_READING_TIME = re.compile(r"\b\d{1,3}\s*(?:min|mins|minutes?)\.?\s+read\b|\breading\s+time\s*:?\s*\d{1,3}\s*(?:min|mins|minutes?)\b", re.I)
STAMP_MAX_WORDS = 20
STAMP_BYLINE_WORDS = 4  # "... by Patrick Shanley": a byline of at most this many words after "by"
_NAME = r"[A-Z][\w'’.-]*"
_STAMP_BYLINE = re.compile(  # "by Patrick Shanley", "By Jane Doe, CNN"
    rf"\b[Bb]y\s+{_NAME}(?:\s+{_NAME}){{0,{STAMP_BYLINE_WORDS - 1}}}(?:\s*,\s*{_NAME}(?:\s+{_NAME}){{0,2}})?"
)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s?[ap]\.?\s?m\b|\b\d{1,2}[:.]\d{2}\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?[ap]\.?\s?m\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")

# Kinds returned by classify()
READ_ALSO_HEADER = "read-also-header"
READ_ALSO_LINE = "read-also"
AGGREGATOR_LINE = "aggregator"
FOOTER = "footer"  # the rest of the article is boilerplate (comments, "عن مصدر الخبر")
SHARE = "share"
TOOLS = "tools"  # print / send / font size / PDF / RSS lines
FOLLOW_LINE = "follow"
COOKIE = "cookie"
CAPTION = "caption"
CREDIT = "credit"
SOURCE = "source"
TAGS = "tags"
NAV = "nav"  # "الرئيسية | أخبار | اتصل بنا"
DATE_LINE = "date"  # a line holding only a date ("الخميس 15 فبراير 2018 - 10:30")


@lru_cache(maxsize=64)
def _by_first_word(phrases: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for phrase in phrases:  # already longest first
        index.setdefault(phrase.split(" ", 1)[0], []).append(phrase)
    return {word: tuple(group) for word, group in index.items()}


def _starts(key: str, phrases: tuple[str, ...]) -> str | None:
    """The phrase ``key`` starts with (whole words), if any."""
    for phrase in _by_first_word(phrases).get(key.split(" ", 1)[0], ()):
        if key == phrase or key.startswith(phrase + " "):
            return phrase
    return None


@lru_cache(maxsize=32)
def _credit_keys(credits: tuple[str, ...]) -> frozenset[str]:
    return frozenset(phrase_key(c) for c in credits)


@lru_cache(maxsize=4096)
def _token_key(token: str) -> str:
    return phrase_key(token)


def _ends_with_photo_credit(text: str) -> bool:
    """Text of two words or more closed by a picture credit (_TRAILING_PHOTO_CREDIT)."""
    credit = _TRAILING_PHOTO_CREDIT.search(text)
    return credit is not None and len(text[: credit.start()].split()) >= 2


def classify(text: str, *, credits: Iterable[str] = ()) -> str | None:
    """The boilerplate kind of one line / paragraph, or None for article text."""
    if len(text) > 700:  # every rule below wants a short line (<= 60 words)
        return None
    key = phrase_key(text)
    if not key:
        return None
    words = key.split()
    n = len(words)
    if n > 60:
        return None
    if _starts(key, AGGREGATOR_FOOTER) and n <= 8:
        return FOOTER
    if (_starts(key, AGGREGATOR) and n <= 14) or (n <= 25 and any(p in key for p in READ_AT_SOURCE)):
        return AGGREGATOR_LINE
    if key in READ_ALSO or key in READ_ALSO_HEADERS_ONLY:
        return READ_ALSO_HEADER
    if n <= MORE_FROM_MAX_WORDS and _MORE_FROM_HEADER.match(text) and not _SENTENCE_END.search(text):
        return READ_ALSO_HEADER
    if (_starts(key, READ_ALSO) or _LABELLED_LINK.match(text)) and n <= 25 and not _is_sentence(text, n):
        return READ_ALSO_LINE
    if (key in COMMENT_HEADERS) or (
        _starts(key, COMMENT_HEADERS) and n <= 4 and any(w.isdigit() for w in words)
    ):
        return FOOTER
    if key in SHARE_EXACT:
        return SHARE
    if (
        words[0] in _SHARE_HEADS
        and n <= 12
        and (n == 1 or words[1] in _SHARE_NEXT or all(w in SOCIAL for w in words[1:]))
    ):
        return SHARE
    if n <= 12 and all(w in SOCIAL for w in words) and (n >= 2 or len(key) >= 4):
        return SHARE
    if n <= 16 and words[0] in _UTILITY_HEADS and _only_tools(words):
        return TOOLS
    if key in AD_LABELS:
        return TOOLS
    if n <= 6 and any(w.isdigit() for w in words):
        rest = " ".join(w for w in words if not w.isdigit())
        if rest in COUNTER_WORDS:
            return TOOLS
    if n <= 12 and any(w.isdigit() for w in words) and all(w.isdigit() or w in DATE_WORDS for w in words):
        return DATE_LINE
    if _is_stamp(text, words):
        return DATE_LINE
    if n <= 12:
        parts = [phrase_key(p) for p in _NAV_SPLIT.split(text) if p.strip()]
        if (
            len(parts) >= 2
            and all(len(p.split()) <= 3 for p in parts)
            and any(p in _NAV_WORDS for p in parts)
        ):
            return NAV
    if (_starts(key, FOLLOW) and n <= 25) or key in ("تابعونا", "subscribe"):
        return FOLLOW_LINE
    if n <= CONTACT_MAX_WORDS and _CONTACT.search(text):
        return FOLLOW_LINE
    if _COOKIE.search(text) and _COOKIE_NOTICE.search(text) and n <= 60 and not re.search(r"\d{4}", key):
        return COOKIE
    normed = norm(text)
    if (_CAPTION.match(normed) and n <= 30) or key in _CAPTION_EXACT:
        return CAPTION
    if n <= CAPTION_CREDIT_MAX_WORDS and _ends_with_photo_credit(text):
        return CAPTION
    if (_SOURCE_LINE.match(normed) or _NAQLAN_LINE.match(normed)) and n <= 10:
        return SOURCE
    if (_starts(key, TAG_LINES) and n <= 40 and _TAG_SEP.match(normed)) or key in TAG_LINES:
        return TAGS
    if key in OUTLET_ALIASES or key in _credit_keys(tuple(credits)) or key == "وال":
        return CREDIT
    if _COPYRIGHT.search(text) and n <= 20:
        return CREDIT
    return None


SENTENCE_MIN_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?؟]\s*$")
_LABEL_MARK = re.compile(r"[:：|»«\-–—]")


def _is_sentence(text: str, n: int) -> bool:
    """A line written as a sentence ("Read more about the plan on the city's website, where the documents
    are published."): long enough, ending with sentence punctuation, and no label mark (colon, bar, dash,
    guillemet) near its start, where a "read also" line separates its label from the headline."""
    return n >= SENTENCE_MIN_WORDS and bool(_SENTENCE_END.search(text)) and not _LABEL_MARK.search(text[:30])


def _is_stamp(text: str, words: list[str]) -> bool:
    """An English time stamp line: STAMP_WORDS and digits only, apart from one "by" and a capitalised name
    (a byline); with a label ("Updated", "Published", "ago"), a clock time, am/pm, or a month and a year.
    A month and a day alone ("May 5") can head a timeline entry, so they are not enough; a stamp names one
    moment, so two times or two years are a schedule or a date range, which is information in the story,
    unless each is labelled ("Posted: Nov 19, 2019 10:32 AM / Updated: ... 11:00 AM"). A reading time
    ("5 min read", "Nov 19, 2019 | 3 min read") is part of such a line, or a line of its own."""
    if len(words) > STAMP_MAX_WORDS or not any(w.isdigit() for w in words):
        return False
    if ("read" in words or "reading" in words) and _READING_TIME.search(text):
        text = _READING_TIME.sub(" ", text)
        words = phrase_key(text).split()
        if not words:
            return True
    if "by" in words:
        byline = _STAMP_BYLINE.search(text)
        if byline is None:
            return False
        text = text[: byline.start()] + " " + text[byline.end() :]
        words = phrase_key(text).split()
    if not words or not all(w.isdigit() or w in STAMP_WORDS for w in words):
        return False
    moments = max(len(_TIME_OF_DAY.findall(text)), len(_YEAR.findall(text)))
    if moments > 1 and sum(w in _MOMENT_LABELS for w in words) < moments:
        return False  # two times or two dates: opening hours or an event's dates ("9.30 A.M. / 7.00 P.M.")
    if _CLOCK.search(text) or any(w in STAMP_LABELS for w in words):
        return True
    return any(w in STAMP_MONTHS for w in words) and any(len(w) == 4 and w[:2] in ("19", "20") for w in words)


def _only_tools(words: list[str]) -> bool:
    """True when the words are a sequence of UTILITY phrases and SOCIAL words, with at least
    one UTILITY phrase longer than a letter, or two of them ("A+ A-"; "a" alone is no tools line)."""
    phrases = _by_first_word(UTILITY)
    i, real = 0, False
    while i < len(words):
        for phrase in phrases.get(words[i], ()):  # longest first
            size = phrase.count(" ") + 1
            if words[i : i + size] == phrase.split():
                real = real or len(phrase) > 2
                i += size
                break
        else:
            if words[i] not in SOCIAL:
                return False
            i += 1
    return real or len(words) >= 2


def strip_inline_captions(text: str) -> str:
    """Drop "(صورة: ...)" / "(أرشيفية)" parentheticals from a paragraph."""
    return clean_ws(_INLINE_CAPTION.sub("", text)) if "(" in text or "（" in text or "[" in text else text


def _looks_like_headline(text: str) -> bool:
    return len(text.split()) <= 20 and not _END_PUNCT.search(text)


REPEAT_MIN_WORDS = 8  # a repeated paragraph this long is a template's second copy; shorter ones are list items
LIST_REPEATS = 3  # ...unless it is printed this many times or more: the same item under each of several lists


def _repeat_is_copy(key: str, times: int) -> bool:
    """A paragraph seen before is dropped when it is a sentence or more: templates print a lead or a
    paragraph twice. Short lines repeat in real bodies (the same item in several lists, "Pre-Workout
    Meal" under each plan), and so do sentence-long ones printed three times or more (the same meal
    under each of six eating plans); keeping them is what the reader sees."""
    return len(key.split()) >= REPEAT_MIN_WORDS and times < LIST_REPEATS


HEADING_OVERLAP = 0.8  # share of a headline-long line's words that are the title's: the title again


def _repeats_heading(key: str, heading_keys: set[str]) -> bool:
    """The title or section name printed above the text, also in another wording of the same title
    ("Milan Design Week 2018 | Michael Anastassiades' light installation" under the <title>'s shorter one)."""
    if key in heading_keys:
        return True
    words = key.split()
    if not words or len(words) > 20:
        return False
    for heading in heading_keys:
        shared = sum((Counter(words) & Counter(heading.split())).values())
        if shared >= HEADING_OVERLAP * max(len(words), len(heading.split())):
            return True
    return False


def clean_paragraphs(
    paragraphs: list[str],
    *,
    title: str | None = None,
    section: str | None = None,
    credits: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """Drop boilerplate paragraphs. Returns (kept, removed).

    Also drops repeats of the title or the section name among the first paragraphs (templates
    that print them above the text) and repeats of sentence-long paragraphs. Source credit lines
    ("المصدر: ...") are kept: they are part of the story."""
    credits = tuple(credits)
    heading_keys = {phrase_key(t) for t in (title, section) if t} - {""}
    kept: list[str] = []
    removed: list[str] = []
    seen: set[str] = set()
    times = Counter(paragraphs)  # exact repeats of the extractor's lines
    skipping_titles = 0
    for index, paragraph in enumerate(paragraphs):
        text = strip_inline_captions(clean_ws(paragraph))
        if not text:
            continue
        key = phrase_key(text)
        kind = classify(text, credits=credits)
        if kind is None and skipping_titles and _looks_like_headline(text):
            skipping_titles -= 1
            removed.append(paragraph)
            continue
        skipping_titles = 0
        if kind == FOOTER and index > 0 and kept and not _story_goes_on(kept, paragraphs[index + 1 :]):
            removed.extend(paragraphs[index:])
            break
        if kind == READ_ALSO_HEADER:
            skipping_titles = 6
        if kind is not None and kind != SOURCE:  # in-body credit lines ("المصدر: ...") stay
            removed.append(paragraph)
            continue
        heading = len(kept) < 3 and _repeats_heading(key, heading_keys)
        if not key or (key in seen and _repeat_is_copy(key, times[paragraph])) or heading:
            removed.append(paragraph)
            continue
        seen.add(key)
        kept.append(text)
    return kept, removed


# --- HTML pass ---------------------------------------------------------------------------------
_INLINE_TAGS = frozenset(
    {"span", "strong", "b", "em", "i", "a", "font", "small", "label", "u", "time", "bdi", "mark", "big", "sup", "sub", "abbr", "cite"}
)  # fmt: skip
_PROTECTED = frozenset({"html", "body", "article", "main"})
_CLASS_BLOCKS = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|shares|social|socials|addtoany|a2a|sharethis|sharedaddy|share-?buttons|"
    r"jp-relatedposts|yarpp|related|read-?also|readalso|also-?read|more-?news|you-?may|recommend(?:ed|ations)?|"
    r"taboola|outbrain|mgid|comments?|comment-list|commentlist|disqus|fb-comments|respond|cookies?|gdpr|"
    r"consent|cmp|newsletter|subscribe|subscription|follow-?us|wp-caption-text|figcaption|caption|tags-?list|"
    r"post-?tags|tagcloud|print-?only|breadcrumbs?|cta|promo)(?:$|[\s_-])",
)  # matched against lower-cased attributes: half the cost of re.I
_NAV_CLASS = re.compile(r"(?:^|[\s_-])(?:menu|nav|navbar|navigation|tools|toolbar|pagination|pager)(?:$|[\s_-])")


@lru_cache(maxsize=8192)  # a template repeats its class strings; a real page has ~450 classed elements
def _attr_kind(attrs: str) -> tuple[bool, bool]:
    """(a boilerplate block class, a navigation class) for an element's "class id" string."""
    lower = attrs.lower()
    return bool(_CLASS_BLOCKS.search(lower)), bool(_NAV_CLASS.search(lower))
_TRIGGER_HEADS = frozenset(
    phrase_key(w)
    for w in (
        "اقرأ", "إقرأ", "طالع", "شاهد", "انظر", "أخبار", "مواضيع", "مقالات", "ذات", "قد", "اخترنا", "المزيد", "ننصحك",
        "ربما", "مصدر", "يمكنك", "لقراءة", "قراءة", "الخبر", "عن", "التعليقات", "تعليقات", "أضف", "إضافة", "اترك",
        "لا", "كن", "شاركنا", "اكتب", "أكتب", "شارك", "شاركها", "مشاركة", "انشر", "تابعونا", "تابعنا", "تابعوا",
        "للاشتراك", "اشترك", "انضم", "انضموا", "لمتابعة", "للمزيد", "حمل", "حملوا", "تحميل", "نستخدم", "يستخدم",
        "هذا", "الموقع", "باستخدامك", "الصورة", "صورة", "المصدر", "نقلا", "الوسوم", "وسوم", "الكلمات", "كلمات",
        "read", "related", "see", "more", "you", "share", "follow", "subscribe", "join", "download", "sign",
        "comments", "leave", "add", "post", "no", "we", "this", "cookies", "photo", "image", "tags", "©",
        "طباعة", "print", "email",
    )
) | _UTILITY_HEADS  # fmt: skip


def _block_of(element: HtmlElement) -> HtmlElement:
    while element.tag in _INLINE_TAGS and element.getparent() is not None:
        element = element.getparent()
    return element


def _link_text_len(element: HtmlElement) -> int:
    return sum(len(clean_ws(a.text_content())) for a in element.iter("a"))


def _link_dominated(element: HtmlElement) -> bool:
    text = element_text(element)
    return bool(text) and _link_text_len(element) >= 0.6 * len(text)


def _removable(element: HtmlElement, total: int) -> bool:
    """Guard against dropping the article itself (a container whose class happens to match)."""
    if not isinstance(element.tag, str) or element.tag in _PROTECTED or element.getparent() is None:
        return False
    if element.tag == "h1" or element.find(".//h1") is not None:
        return False
    return not (total and len(" ".join(element.text_content().split())) > 0.4 * total)


def _drop(element: HtmlElement, removed: list[str]) -> None:
    text = element_text(element)
    if text and len(text) <= 400:
        removed.append(text)
    parent = element.getparent()
    if parent is None:
        return
    # keep the tail text (it belongs to the parent), as lxml's drop_tree does
    element.drop_tree()


TEASER_MAX_CHARS = 500


def _is_teaser(element: HtmlElement) -> bool:
    """A card under a "more from" header: a short block whose heading is a link to the other story (with a
    line of summary that is no link)."""
    if len(element_text(element)) > TEASER_MAX_CHARS:
        return False
    heading = next(element.iter(*TEASER_HEADINGS), None)
    return heading is not None and _link_dominated(heading)


def _box_of(block: HtmlElement, header_len: int) -> HtmlElement:
    """Climb from a "read also" header to the box holding it and its links."""
    node = block
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in _PROTECTED:
            return node
        text_len = len(element_text(parent))
        if text_len - _link_text_len(parent) - header_len > 40 or text_len > 1500:
            return node
        node = parent


CODE_TAGS = ("script", "style", "noscript", "template")


def _visible_chars(body: HtmlElement) -> int:
    """Characters of the page's text a reader sees: the body's text without its scripts and styles. The guard
    against dropping the story itself (``_removable``) compares a block with this: on real pages scripts are a
    third of the characters (a JSON state blob can be more than the story), and counted in, they let a story
    container whose class carries a furniture word ("entry-content comments-enabled") pass for a small block."""
    code = sum(len(" ".join(e.text_content().split())) for e in body.iter(*CODE_TAGS) if e.text)
    return max(0, len(" ".join(body.text_content().split())) - code)


def prune_html(tree: HtmlElement, *, credits: Iterable[str] = ()) -> list[str]:
    """Remove known boilerplate blocks from ``tree`` in place. Returns the removed blocks' texts
    (short ones), which still matter downstream (the aggregator's "مصدر الخبر" line names the
    original outlet)."""
    removed: list[str] = []
    body = tree.find(".//body")
    if body is None:
        body = tree
    total = _visible_chars(body)

    for element in list(body.iter("figcaption")):
        if element.getparent() is not None:
            _drop(element, removed)
    # Table layouts (old agency sites) carry menus, ads and "more news" lists as cells; with no
    # class to go by, trafilatura keeps them as table text. Side cells of the row that holds the
    # article go, and so does a cell of links and nothing else.
    _drop_side_cells(body, total, removed)
    _drop_link_cells(body, total, removed)
    _drop_hover_cards(body, removed)
    _drop_teaser_cards(body, removed)
    _drop_decks(body, removed)
    _drop_image_captions(body, removed)
    _unmask_embedded_posts(body)
    _tweetable_quotes_as_paragraphs(body)
    _unmask_link_spans(body)
    _unmask_presentation_attrs(body)
    _drop_classed_blocks(body, total, removed)
    _drop_headed_blocks(body, total, removed, tuple(credits))
    _text_divs_as_paragraphs(body)
    _inline_text_blocks_as_divs(body)
    return removed


HOVER_CARD_TAGS = ("span",)  # inline elements a popup card is written in
HOVER_CARD_HOSTS = frozenset({"p", "li"})  # running text
HOVER_CARD_MIN_LINKS = 2


def _drop_hover_cards(body: HtmlElement, removed: list[str]) -> None:
    """Popup cards inside running text (a person's photo and links to other stories, shown on hover
    over a name): an inline element in a paragraph holding an image and two or more links. The
    innermost such element goes, so the name that carries the card stays."""
    for host in list(body.iter(*HOVER_CARD_HOSTS)):
        for card in [e for e in host.iter(*HOVER_CARD_TAGS) if _is_hover_card(e)]:
            if card.getparent() is not None and not _is_detached(card):
                _drop(card, removed)


def _is_hover_card(element: HtmlElement) -> bool:
    if element.find(".//img") is None or len(element.findall(".//a")) < HOVER_CARD_MIN_LINKS:
        return False
    return not any(_is_hover_card(inner) for inner in element.iterdescendants(*HOVER_CARD_TAGS))


TEASER_HEADINGS = ("h2", "h3", "h4", "h5", "h6")  # not h1: the page's own headline stays


def _drop_teaser_cards(body: HtmlElement, removed: list[str]) -> None:
    """A link that wraps a heading (``<a href><img><h3>Other story</h3></a>``) is a teaser card for another
    page: a subheading of the article is never inside a link (a heading may hold one, not the reverse)."""
    for heading in list(body.iter(*TEASER_HEADINGS)):
        link = next(heading.iterancestors("a"), None)
        if link is not None and link.get("href") and not _is_detached(link):
            _drop(link, removed)


DECK_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


def _drop_decks(body: HtmlElement, removed: list[str]) -> None:
    """A heading right after the headline (the h1's next element) is the deck, the summary line printed
    under the title (h2.article-subline, h5.deck); published reference bodies leave it out."""
    for headline in list(body.iter("h1")):
        deck = _element_sibling(headline, after=True)
        if deck is not None and deck.tag in DECK_HEADINGS and not _is_detached(deck):
            _drop(deck, removed)


CAPTION_MAX_WORDS = 25
_EMPHASIS = frozenset({"em", "i"})


def _only_an_image(element: HtmlElement) -> bool:
    """An element that shows an image and no text (``<p><a href><img></a></p>``, a bare img or figure)."""
    if element.tag in ("img", "picture"):
        return True
    return element.find(".//img") is not None and not element_text(element)


def _drop_image_captions(body: HtmlElement, removed: list[str]) -> None:
    """A caption written as a paragraph of italics right under an image (``<p><img></p><p><em>Light a Wish by
    OGE Group</em></p>``): a short paragraph whose text is all in one em/i child, after an element that shows
    only an image. Italic paragraphs elsewhere (an editor's note, a quotation) stay."""
    for paragraph in list(body.iter("p")):
        if len(paragraph) != 1 or paragraph[0].tag not in _EMPHASIS or (paragraph.text or "").strip():
            continue
        children = [paragraph[0]]
        if (children[0].tail or "").strip():
            continue
        text = element_text(paragraph)
        if not text or len(text.split()) > CAPTION_MAX_WORDS:
            continue
        before = _element_sibling(paragraph, after=False)
        if before is not None and _only_an_image(before) and not _is_detached(paragraph):
            _drop(paragraph, removed)


def _drop_link_cells(body: HtmlElement, total: int, removed: list[str]) -> None:
    for cell in list(body.iter("td", "th")):
        if cell.getparent() is None or _is_detached(cell) or cell.find(".//table") is not None:
            continue
        links = len(cell.findall(".//a"))
        if links >= 2 and _link_text_len(cell) >= 0.9 * len(element_text(cell)) and _removable(cell, total):
            _drop(cell, removed)


def _drop_classed_blocks(body: HtmlElement, total: int, removed: list[str]) -> None:
    """Blocks whose class or id says share / related / comments..., and link-dominated menus."""
    groups: dict[tuple[HtmlElement | None, str, str | None], bool] = {}  # _story_in_blocks per parent, tag and class: 200 comments, one test
    for element in body.xpath(".//*[@class or @id]"):
        if element.getparent() is None or element.tag in _PROTECTED:
            continue
        attrs = f"{element.get('class', '')} {element.get('id', '')}"
        block, nav_class = _attr_kind(attrs)
        if not block:
            nav = nav_class and not _is_detached(element) and _link_dominated(element)
            if nav and _removable(element, total):
                _drop(element, removed)
            continue
        if _is_detached(element) or _holds_running_text([element]):
            continue
        group = (element.getparent(), element.tag, element.get("class"))
        if group not in groups:
            groups[group] = _story_in_blocks(element, total)
        if groups[group]:
            continue
        if _removable(element, total):
            _drop(element, removed)


RUNNING_TEXT_PARAGRAPHS = 3
RUNNING_TEXT_WORDS = 15


def _holds_running_text(elements: list[HtmlElement]) -> bool:
    """The story's running text: RUNNING_TEXT_PARAGRAPHS paragraphs of RUNNING_TEXT_WORDS words or more, and
    less than a fifth of the text in links. A block whose class names furniture ("entry-content
    comments-enabled") is not dropped for its class when it holds that, and a comments label above it
    ("No Comments", a meta line over the story) does not take the story with it."""
    prose = 0
    for element in elements:
        prose += sum(1 for p in element.iter("p") if len(p.text_content().split()) >= RUNNING_TEXT_WORDS)
    if prose < RUNNING_TEXT_PARAGRAPHS:
        return False
    text = sum(len(element_text(e)) for e in elements)
    return sum(_link_text_len(e) for e in elements) < 0.2 * text


STORY_SHARE = 0.4  # of the page's visible text: as _removable's guard


def _story_in_blocks(element: HtmlElement, total: int) -> bool:
    """``element`` is one of sibling blocks of its tag and class that together hold the story: a story written
    one classed paragraph at a time (``<p class="body-copy share-tracking">``) or split by an ad into two
    containers of one class, each too short for either guard alone, together running text and most of the
    page's visible text. A "related" or comments block has no siblings of its class holding that."""
    parent = element.getparent()
    if parent is None or not total:
        return False
    attrs = (element.tag, element.get("class"))  # not the id: a paragraph's own id is unique
    group = [s for s in parent if (s.tag, s.get("class")) == attrs]
    if len(group) < 2 or not _holds_running_text(group):
        return False
    return sum(len(element_text(e)) for e in group) > STORY_SHARE * total


def _story_goes_on(kept: list[str], rest: list[str]) -> bool:
    """Paragraphs after a comments label are the story going on (a label printed over the story or inside
    it), not the comments, when they hold RUNNING_TEXT_PARAGRAPHS paragraphs of RUNNING_TEXT_WORDS words and
    more text than was kept before the label. The comments themselves are gone by then (trafilatura)."""
    prose = sum(1 for p in rest if len(p.split()) >= RUNNING_TEXT_WORDS)
    return prose >= RUNNING_TEXT_PARAGRAPHS and sum(map(len, rest)) > sum(map(len, kept))


# Embedded posts quoted in a story (a tweet, an Instagram or TikTok post) are written as a blockquote of
# one of these classes. Their wrapper is often classed "social-..." or "...-embed" ("social-media-embed"):
# no share bar, but both our class pass and trafilatura's (tokens "social", "embed") would drop it with the
# quoted post, which published reference bodies keep. The wrappers lose that class.
EMBEDDED_POST_CLASSES = ("twitter-tweet", "instagram-media", "tiktok-embed", "text-post-media")
_EMBED_WRAPPER = re.compile(r"social|embed")


def _unmask_embedded_posts(body: HtmlElement) -> None:
    for quote in body.iter("blockquote"):
        classes = quote.get("class")
        if not classes or not any(name in classes for name in EMBEDDED_POST_CLASSES):
            continue
        for wrapper in quote.iterancestors():
            if wrapper is body or wrapper.tag in _PROTECTED:
                break
            if _EMBED_WRAPPER.search((wrapper.get("class") or "").lower()):
                del wrapper.attrib["class"]


# "Click to tweet" boxes (WordPress plugins: Social Warfare's span.sw-click-to-tweet, Better Click To Tweet's
# span.bctt-click-to-tweet): a sentence of the story set apart, inside a link to a tweet form, with the button
# label beside it. Trafilatura drops the link with the sentence, which published reference bodies keep.
QUOTE_BOX_CLASSES = ("click-to-tweet", "clicktotweet")
QUOTE_BOX_BUTTONS = ("ctt-btn", "ctt-button", "tweet-btn", "tweet-button")


def _tweetable_quotes_as_paragraphs(body: HtmlElement) -> None:
    """A click-to-tweet box becomes a paragraph of its sentence (the button label left out); when the box
    is the only content of a link (the tweet form), the link is replaced too."""
    for box in list(body.iter("span", "div", "p", "blockquote")):
        classes = box.get("class")
        if not classes or "weet" not in classes:  # cheap test first: the loop visits most of the page
            continue
        classes = classes.lower()
        if not any(name in classes for name in QUOTE_BOX_CLASSES) or box.getparent() is None:
            continue
        if any(any(name in (e.get("class") or "").lower() for name in QUOTE_BOX_CLASSES) for e in box.iterancestors()):
            continue  # an inner part of an outer box
        for button in [e for e in box.iterdescendants() if any(b in (e.get("class") or "").lower() for b in QUOTE_BOX_BUTTONS)]:
            if button.getparent() is not None:
                button.drop_tree()
        text = element_text(box)
        target = box
        parent = box.getparent()
        if parent.tag == "a" and element_text(parent) == text:
            target = parent
        if not text or target.getparent() is None:
            continue
        paragraph = target.makeelement("p", {})
        paragraph.text = text
        paragraph.tail = target.tail
        target.getparent().replace(target, paragraph)


def _unmask_link_spans(body: HtmlElement) -> None:
    """A span classed "link" wrapping a link in running text (``... reported that <span class="link"><a>the
    NFL will fine Rudolph</a></span> for ...``): trafilatura's precision mode drops every span of class
    "link", words out of the middle of a sentence. The span loses the class."""
    for span in body.iter("span"):
        classes = span.get("class")
        if classes and "link" in classes.lower().split() and span.getparent() is not None:
            del span.attrib["class"]


# trafilatura's precision mode drops every div, section, p, span or list whose class or id starts or ends with
# "bottom" or is "link", or whose style draws a border (its PRECISION_DISCARD_XPATH, mirrored here as data).
# Those say how a block looks, not what it is: "article-text border-bottom", a box of the story drawn with a
# border. A block that holds the story's running text loses them, so trafilatura judges it by its text.
PRECISION_PRUNED_TOKEN = re.compile(r"^bottom|bottom$|^link$")
PRECISION_PRUNED_TAGS = ("div", "section", "span", "ul", "ol")  # blocks of paragraphs
UNMASK_MIN_PARAGRAPHS = 2


def _unmask_presentation_attrs(body: HtmlElement) -> None:
    for element in body.iter(*PRECISION_PRUNED_TAGS):  # a loop: contains() in XPath took three times as long
        classes, ident, style = element.get("class"), element.get("id"), element.get("style")
        masked_class = bool(classes) and _has_pruned_token(classes)
        masked_id = bool(ident) and _has_pruned_token(ident)
        masked_style = bool(style) and "border" in style
        if not (masked_class or masked_id or masked_style) or not _running_text_of(element):
            continue
        if masked_class:
            element.set("class", " ".join(t for t in classes.split() if not PRECISION_PRUNED_TOKEN.search(t)))
        if masked_id:
            del element.attrib["id"]
        if masked_style:
            del element.attrib["style"]


def _has_pruned_token(attr: str) -> bool:
    if "bottom" not in attr and "link" not in attr:
        return False
    return any(PRECISION_PRUNED_TOKEN.search(t) for t in attr.split())


def _running_text_of(element: HtmlElement) -> bool:
    """UNMASK_MIN_PARAGRAPHS paragraphs of RUNNING_TEXT_WORDS words or more, under a fifth of the text in links.
    A single paragraph set apart by a border (a moderation note under the story) is not enough."""
    prose = sum(1 for p in element.iter("p") if len(p.text_content().split()) >= RUNNING_TEXT_WORDS)
    return prose >= UNMASK_MIN_PARAGRAPHS and _link_text_len(element) < 0.2 * len(element_text(element))


def _drop_headed_blocks(body: HtmlElement, total: int, removed: list[str], credits: tuple[str, ...]) -> None:
    """Blocks whose text opens with a trigger word ("اقرأ أيضا", "شارك", "©"...) and classify says so."""
    done: set[HtmlElement] = set()
    for node in body.xpath(".//text()[normalize-space()]"):
        head = node.lstrip()[:30]
        token = head.split(maxsplit=1)[0] if head else ""
        if not token or (_token_key(token).split()[:1] or [""])[0] not in _TRIGGER_HEADS and "©" not in token:
            continue
        owner = node.getparent()
        if owner is None:
            continue
        if node.is_tail:
            owner = owner.getparent()
            if owner is None:
                continue
        block = _block_of(owner)
        if block in done or _is_detached(block):
            continue
        done.add(block)
        text = element_text(block)
        if len(text) > 600:
            continue
        kind = classify(text, credits=credits)
        if kind is None or kind == SOURCE:  # credit lines are part of the story
            continue
        if kind == READ_ALSO_HEADER:
            box = _box_of(block, len(text))
            followers = []
            sibling = box.getnext()
            while sibling is not None and len(followers) < 8 and isinstance(sibling.tag, str):
                if sibling.tag in ("ul", "ol") or _link_dominated(sibling) or _is_teaser(sibling):
                    followers.append(sibling)
                    sibling = sibling.getnext()
                else:
                    break
            for element in (box, *followers):
                # a teaser card may be an <article> (protected as the page's story): it is short and no h1's
                if _removable(element, total) or (element is not box and _is_teaser(element) and element.find(".//h1") is None):
                    _drop(element, removed)
        elif kind == FOOTER:
            following = [e for e in block.itersiblings() if isinstance(e.tag, str)]
            if _link_dominated(block) or _holds_running_text(following):
                following = []  # a jump link to the comments ("Leave a comment"), or the story goes on below
            for element in (block, *following):
                if isinstance(element.tag, str) and _removable(element, total):
                    _drop(element, removed)
        elif _removable(block, total):
            _drop(block, removed)


def _element_sibling(element: HtmlElement, *, after: bool) -> HtmlElement | None:
    sibling = element.getnext() if after else element.getprevious()
    while sibling is not None and not isinstance(sibling.tag, str):  # comments, processing instructions
        sibling = sibling.getnext() if after else sibling.getprevious()
    return sibling


def _is_text_div(element: HtmlElement) -> bool:
    """A div of text alone: inline children and breaks only, and some text."""
    if element.tag != "div":
        return False
    if not all(isinstance(c.tag, str) and (c.tag in _INLINE_TAGS or c.tag == "br") for c in element):
        return False
    return bool(element_text(element))


def _text_divs_as_paragraphs(body: HtmlElement) -> None:
    """A run of divs of text alone (inline children only) between two paragraphs of text is paragraphs of
    the story: a subheading written as ``<div class="subheadline">``, or paragraphs a CMS wrote as divs among
    its <p>s: trafilatura drops a bare text div in a run of <p> (in both modes), and keeps it as a <p>. Empty
    or unflanked divs are left alone."""
    for div in list(body.iter("div")):
        if div.tag != "div" or not _is_text_div(div):
            continue
        before = _element_sibling(div, after=False)
        if before is None or before.tag != "p" or not element_text(before):
            continue
        run = [div]
        after = _element_sibling(div, after=True)
        while after is not None and _is_text_div(after):
            run.append(after)
            after = _element_sibling(after, after=True)
        if after is not None and after.tag == "p" and element_text(after):
            for member in run:
                member.tag = "p"


TEXT_WRAPPERS = ("font", "span")
_RUNNING_TEXT_HOSTS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd"}) | _INLINE_TAGS


def _inline_text_blocks_as_divs(body: HtmlElement) -> None:
    """A story written as lines in an inline wrapper set in a block (``<td><font>line<br>line</font></td>``,
    ``<div><span>line<br>line</span></div>``, old CMS and hand-made pages) is a block of text: trafilatura
    loses the wrapper's first line (its own text before the first <br>), so the wrapper becomes a div.
    A wrapper inside running text (a paragraph, a list item, a link) is left alone."""
    for wrapper in list(body.iter(*TEXT_WRAPPERS)):
        parent = wrapper.getparent()
        if parent is None or parent.tag in _RUNNING_TEXT_HOSTS or not (wrapper.text or "").strip():
            continue
        if wrapper.find("br") is not None:
            wrapper.tag = "div"


SIDE_CELL_MAX = 300  # characters: a menu or an ad column, not a column of text
ARTICLE_CELL_MIN = 400


def _drop_side_cells(body: HtmlElement, total: int, removed: list[str]) -> None:
    """In a layout row "menu | article | ads", the short cells beside the one that holds the
    row's text are sidebars. Only rows whose main cell holds most of the page's text count."""
    for row in list(body.iter("tr")):
        if _is_detached(row):
            continue
        cells = [c for c in row if c.tag in ("td", "th")]
        if len(cells) < 2:
            continue
        sizes = [len(" ".join(c.text_content().split())) for c in cells]
        main = max(range(len(cells)), key=sizes.__getitem__)
        if sizes[main] < max(ARTICLE_CELL_MIN, 0.5 * total):
            continue
        for index, cell in enumerate(cells):
            if index != main and sizes[index] <= SIDE_CELL_MAX and sizes[index] * 4 <= sizes[main]:
                _drop(cell, removed)


def _is_detached(element: HtmlElement) -> bool:
    """True when an ancestor of ``element`` was already dropped from the tree."""
    node = element
    while node.getparent() is not None:
        node = node.getparent()
    return node.tag != "html" and node.find(".//body") is None and node.tag != "body"
