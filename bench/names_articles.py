"""Fixture articles for bench/names_eval.py: short Arabic news items naming Libyan people and places,
English-language items (as Libyan English outlets write them) naming the same, and Arabic distractors
that share a common word with a name (صالح "good", الكبير "big", البيضاء "white", الخمس "the five").

Written for the bench from templates; deterministic (no randomness), nothing from the matcher's data.
Entities and spellings come from bench/data/names_eval.json.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "names_eval.json"

_AR_PERSON = [
    "التقى {name} وفدا من المجلس البلدي في طرابلس لبحث ملف الكهرباء وتحسين الخدمات في الأحياء الجنوبية.",
    "قال {name} في كلمة متلفزة إن الانتخابات يجب أن تجرى في موعدها وإن الحوار هو الطريق الوحيد للاستقرار.",
    "أصدر مكتب {name} بيانا يرحب فيه بنتائج اجتماع اللجنة العسكرية المشتركة ويدعو إلى توحيد المؤسسات.",
]
_AR_PLACE = [
    "شهدت مدينة {name} اليوم وقفة احتجاجية أمام مقر البلدية للمطالبة بتحسين إمدادات المياه والكهرباء.",
    "وصلت قافلة مساعدات طبية إلى {name} تحمل أدوية ومعدات لمستشفى المدينة المركزي بعد أسابيع من النقص.",
    "أعلنت مديرية أمن {name} ضبط شحنة وقود مهربة كانت في طريقها إلى الحدود الجنوبية.",
]
_AR_DISTRACTORS = [
    "دعا خطيب الجمعة إلى العمل الصالح ونبذ الفرقة بين أبناء الوطن الواحد في كل المدن.",
    "قال مسؤول إن المشروع صالح للتنفيذ بعد مراجعة الدراسات الفنية والمالية من قبل اللجنة المختصة.",
    "شارك عدد كبير من الطلاب في المعرض الكبير للكتاب الذي افتتح أمس في قاعة المؤتمرات.",
    "يعاني الاقتصاد من عجز كبير في الميزانية بسبب تراجع إيرادات النفط خلال السنوات الخمس الماضية.",
    "رفعت اللجنة الراية البيضاء بعد مفاوضات طويلة وأعلنت الرسالة البيضاء للمصالحة بين الأطراف.",
    "نظم الهلال الأحمر حملة تبرع بالدم في المدن الخمس الكبرى بمشاركة متطوعين من الشباب.",
    "أكد وزير الصحة أن اللقاحات متوفرة في جميع المراكز وأن الحملة مستمرة حتى نهاية الشهر.",
    "ارتفعت أسعار الخبز في الأسواق بعد زيادة تكاليف النقل والدقيق المستورد.",
    "أطلقت وزارة التعليم منصة إلكترونية لتسجيل الطلاب الجدد في المدارس الحكومية.",
    "وجه رئيس الجمعية رسالة شكر إلى المتطوعين الذين ساهموا في تنظيف الشواطئ.",
]
_EN = [
    "{name} met a delegation of municipal officials on Monday to discuss power cuts and water supply.",
    "In a televised speech, {name} said the elections must be held on time and called for national dialogue.",
]
_EN_PLACE = [
    "Residents of {name} protested outside the municipality on Monday over power cuts and water shortages.",
    "A convoy of medical aid reached {name} carrying medicines for the city's central hospital.",
]
_EN_DISTRACTORS = [
    "The central bank said fuel subsidies would be reviewed as part of the new budget plan.",
    "Health officials announced a vaccination campaign in schools across the western region.",
    "The ministry of education launched an online platform to register new pupils.",
]


def load_entities() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["entities"]


def _doc(key: str, title: str, body: str, language: str, outlet: str) -> tuple[str, dict]:
    url = f"https://{outlet}.names.example/{key}"
    doc_id = "nm-" + hashlib.sha1(url.encode()).hexdigest()[:16]
    return doc_id, {"url": url, "canonical_url": url, "outlet": outlet, "source_outlet": None, "title": title,
                    "lead": body, "body": body, "authors": [], "published_at": "2024-05-01T10:00:00+02:00",
                    "language": language, "section": None, "tags": [], "dateline": None,
                    "cluster_id": doc_id, "sole_version": True}


def articles() -> list[tuple[str, dict]]:
    """(id, document) for every fixture article, in a stable order."""
    out = []
    for ent in load_entities():
        cat = ent["category"]
        if cat in ("ly_people", "ly_places"):
            name = ent["arabic"][0]
            templates = _AR_PERSON if cat == "ly_people" else _AR_PLACE
            for i, tpl in enumerate(templates):
                body = tpl.format(name=name)
                title = body.split(" ", 6)
                out.append(_doc(f"{ent['id']}-ar{i}", " ".join(title[:6]), body, "ar", "names-ar"))
        elif cat == "ar_to_en":
            templates = _EN if ent["id"] in _EN_PEOPLE else _EN_PLACE
            for i, spelling in enumerate(ent["english"][:2] * (2 if len(ent["english"]) == 1 else 1)):
                body = templates[i % 2].format(name=spelling)
                out.append(_doc(f"{ent['id']}-en{i}", " ".join(body.split()[:7]), body, "en", "names-en"))
    for i, body in enumerate(_AR_DISTRACTORS):
        out.append(_doc(f"distractor-ar{i}", " ".join(body.split()[:6]), body, "ar", "names-ar"))
    for i, body in enumerate(_EN_DISTRACTORS):
        out.append(_doc(f"distractor-en{i}", " ".join(body.split()[:7]), body, "en", "names-en"))
    return out


_EN_PEOPLE = {"en-dbeibah", "en-haftar", "en-gaddafi", "en-menfi", "en-bashagha", "en-takala", "en-mishri",
              "en-sarraj", "en-lafi"}
