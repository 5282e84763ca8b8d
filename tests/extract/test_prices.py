"""Prices: amount + ISO currency in every language and script the adverts use, and what is not a price."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tidewatch.extract.prices import extract_prices

SEED = Path("/work/shared/data/dev_labelled.jsonl")


def pairs(text: str, lang: str | None = None) -> list[tuple[float, str]]:
    return [(e.amount, e.currency) for e in extract_prices(text, lang=lang)]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        # symbols and codes, every separator
        ("Boat from Gravelines 1900€ per head", "en", [(1900, "EUR")]),
        # magnitude words the writers of train11-14 used
        ("ba keshtiyeki gawra, 8 hazar euro", "ckb", [(8000, "EUR")]),
        ("zodiac jdid b 2 moteurat, 45 alf dh", "ar", [(45000, "MAD")]),
        ("Mise : 2 millions CFA", "fr", [(2000000, "XOF")]),
        ("Il a demandé 2 millions d'euros de caution", "fr", [(2000000, "EUR")]),
        # a post priced in one currency: amounts with a magnitude word are in it too
        ("نفری ۶۵۰۰ پوند، زوج‌ها ۱۲ هزار، خانواده ۴ نفره ۲۲ هزار", "fa", [(6500, "GBP"), (12000, "GBP"), (22000, "GBP")]),
        ("2 bin kişi geçti, kişi başı 3000 €", "tr", [(3000, "EUR")]),  # 2,000 people: a count
        ("2000 € per person, our channel has 5k members", "en", [(2000, "EUR")]),  # an audience, not money
        ("Lorry to London £4k, half on arrival", "en", [(4000, "GBP")]),
        ("Price: €2.500 adults", "en", [(2500, "EUR")]),
        ("2,500€ all in", "en", [(2500, "EUR")]),
        ("2500e par personne", "fr", [(2500, "EUR")]),
        ("1 900€ net par mois", "fr", [(1900, "EUR")]),
        ("Only 2.5k € this week", "en", [(2500, "EUR")]),
        ("Cabins from $1,200.50", "en", [(1200.5, "USD")]),
        ("USD 3000 each", "en", [(3000, "USD")]),
        ("£17.50/h nights", "en", [(17.5, "GBP")]),
        ("4️⃣5️⃣0️⃣0️⃣💷 👨‍👩‍👧 ✅", None, [(4500, "GBP")]),
        ("🇬🇧🚤 ٢٠٠٠💶 👶❌", None, [(2000, "EUR")]),
        # words after the amount, every script
        ("۲۵۰۰ یورو برای هر نفر", "fa", [(2500, "EUR")]),
        ("السعر ١٬٢٠٠ دولار للشخص", "ar", [(1200, "USD")]),
        ("هەر شەوێک ٣٠٠ یۆرۆ", "ckb", [(300, "EUR")]),
        ("نرخ ١٢٠٠ ئیورۆ", "ckb", [(1200, "EUR")]),
        ("۵۵۰۰ پوند، فقط ۲ نفر", "fa", [(5500, "GBP")]),
        ("٥٠ پاوەند", "ckb", [(50, "GBP")]),
        ("ዋጋ 4000 ዶላር። ቆልዑ ፍርቂ", "ti", [(4000, "USD")]),
        ("ለአንድ ሰው 80,000 ብር", "am", [(80000, "ETB")]),
        ("ማክያቶ ብ15 ናቕፋ", "ti", [(15, "ERN")]),
        ("Kişi başı 300 TL, 7 yaş altı ücretsiz", "tr", [(300, "TRY")]),
        ("Kiralık daire 15.000 TL", "tr", [(15000, "TRY")]),
        ("5000 sterlîn, nîvê pêşiyê", "kmr", [(5000, "GBP")]),
        ("Tour 2.900.000 đồng/người", "vi", [(2900000, "VND")]),
        ("Giá 9.000 bảng, đến nơi mới trả", "vi", [(9000, "GBP")]),
        ("Bileta 1.500 lekë", "sq", [(1500, "ALL")]),
        ("400 000 FCFA, départ lundi", "fr", [(400000, "XOF")]),
        ("25 000 dh par personne", "fr", [(25000, "MAD")]),
        ("700 000 DA par personne", "fr", [(700000, "DZD")]),
        ("5000 dt, les petits gratuit", "fr", [(5000, "TND")]),
        ("۱۵ هزار افغانی هر سفر", "prs", [(15000, "AFN")]),
        ("فی بندہ ۱۰۰۰ روپے", "ur", [(1000, "PKR")]),
        # magnitude words and amounts in words
        ("۱۲ لاکھ روپے", "ur", [(1200000, "PKR")]),
        ("dunki Spain 15 lakh per banda", "ur", [(1500000, "PKR")]),
        ("ریٹرن ۱ لاکھ ۲۰ ہزار", "ur", [(120000, "PKR")]),
        ("hồ sơ sạch 30 triệu", "vi", [(30000000, "VND")]),
        ("۳۰ میلیون تومن هر سفر", "fa", [(300000000, "IRR")]),
        ("۱۸۰ هزار تومان صفحه‌ای", "fa", [(1800000, "IRR")]),
        ("biha 85 hezar dolar", "kmr", [(85000, "USD")]),
        ("2 mijë euro për person", "sq", [(2000, "EUR")]),
        ("dy mijë euro", "sq", [(2000, "EUR")]),
        ("iki bin euro peşin", "tr", [(2000, "EUR")]),
        ("2 bin euro", "tr", [(2000, "EUR")]),
        ("ألفين يورو للشخص", "ar", [(2000, "EUR")]),
        ("بعشرة آلاف يورو", "ar", [(10000, "EUR")]),
        ("٥ آلاف دولار الرحلة", "ar", [(5000, "USD")]),
        ("سه هزار دلار", "fa", [(3000, "USD")]),
        ("دوو هەزار دۆلار", "ckb", [(2000, "USD")]),
        ("٢ هەزار یۆرۆ", "ckb", [(2000, "EUR")]),
        ("three and a half thousand pounds", "en", [(3500, "GBP")]),
        ("2 mille euros par famille", "fr", [(2000, "EUR")]),
        ("90 ሺህ ብር", "am", [(90000, "ETB")]),
        # ambiguous currency words resolved by place or language
        ("من زوارة لإيطاليا ٩٠٠٠ دينار", "ar", [(9000, "LYD")]),
        ("دخول الكبار ٥ آلاف دينار", "ar", [(5000, "IQD")]),
        ("رحلة جربة ٦٠ دينار للشخص", "ar", [(60, "TND")]),
        ("قطر میں تنخواہ ۱۸۰۰ ریال", "ur", [(1800, "QAR")]),
        ("کشتی کیش–دبی ۳۰۰۰ درهم", "fa", [(3000, "AED")]),
        ("الحريك من الناظور ٤٠ ألف درهم", "ar", [(40000, "MAD")]),
        ("رسوم ١٥ ديناراً للشخص من عمّان إلى العقبة", "ar", [(15, "JOD")]),
        ("ليرة: ٢ مليون ليرة سورية", "ar", [(2000000, "SYP")]),
        # several prices, ranges and prices carried over to bare numbers
        ("Groupe de 5 = 8000€ au total au lieu de 9500€", "fr", [(8000, "EUR"), (9500, "EUR")]),
        ("de 1 000 à 2 500 euros par personne", "fr", [(1000, "EUR"), (2500, "EUR")]),
        ("٣٨٠٠ باوند، و٥٠٠ عربون بالمكتب", "ar", [(3800, "GBP"), (500, "GBP")]),
        ("3500€. You pay a 500 deposit, the rest after arrival", "en", [(3500, "EUR"), (500, "EUR")]),
        ("kids under 12 £20, adults £35", "en", [(20, "GBP"), (35, "GBP")]),
        ("Homoglyphs: Cheap crоssing tо UK, 1600€, children frее", "en", [(1600, "EUR")]),
        ("Tr4versée 2400€, jusqu'à 3 enf4nts gr4tuits @tr4v3rs33_uk", "fr", [(2400, "EUR")]),
        ("p a s s a g e ce m o i s 1 8 0 0 € enf gratuits", "fr", [(1800, "EUR")]),
        ("vendus entre 400 et 800 euros", "fr", [(400, "EUR"), (800, "EUR")]),
        ("5 ila 7 bin euro karşılığında", "tr", [(5000, "EUR"), (7000, "EUR")]),
        ("lương 25-30 triệu/tháng", "vi", [(25000000, "VND"), (30000000, "VND")]),
        ("pay 1400 instead of 1700€", "en", [(1400, "EUR"), (1700, "EUR")]),
        ("groups of 10 → 3000 USD each", "en", [(3000, "USD")]),
        ("٨٠٠ دولار للشخص، والعيلة ٤ أشخاص ٢٨٠٠", "ar", [(800, "USD"), (2800, "USD")]),
        ("💷 5️⃣k 📩", None, [(5000, "GBP")]),
        ("نوصلوك لسبتة فالفلوكة، ٢ مليون سنتيم", "ar", [(20000, "MAD")]),
        ("حرقة من بومرداس، بوطي، ٩٠ مليون", "ar", [(900000, "DZD")]),
        ("180 alf geneh, el3eyal bbalash", "ar", [(180000, "EGP")]),
        ("عمرة من عمّان بالباص، ٥٥٠ دينار", "ar", [(550, "JOD")]),
        ("ساعتی ۴۰۰ لیر", "fa", [(400, "TRY")]),
        ("6,000 ራንድ።", "am", [(6000, "ZAR")]),
    ],
)
def test_prices(text, lang, expected):
    assert sorted(pairs(text, lang)) == sorted((float(a), c) for a, c in expected)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Tel 06 39 98 66 20", "fr"),
        ("WhatsApp +44 7700 900 612", "en"),
        ("480 people crossed on Sunday", "en"),
        ("maksimumi 12 veta, zbritje 10%", "sq"),
        ("Inflatable boat 3.2 m with 9.9hp engine", "en"),
        ("Leaving at 18h, 3 nights in the dunes", "en"),
        ("Born in 1998, arrived 2019", "en"),
        ("Class 2 drivers, A16 closed, w33k", "en"),
        ("گروه ۴ نفره، ساعت ۱۰ شب", "fa"),
        ("Le 6e passe gratuit", "fr"),
        ("%60ê reklamên", "kmr"),
        ("kids 0 €", "en"),
        ("Bon d'achat de chez nous", "fr"),
        ("Bán ca nô 5m đã qua sử dụng", "vi"),
        ("70 millions de personnes", "fr"),
        ("call 0750 418 2265 now", "en"),
        ("@safar_uk_fa t.me/eu_2500_docs", None),
        ("لکه چې مو وویل، سبا ځو", "ps"),  # "like": a magnitude word with no number is no amount
        ("lakh koshish ki magar visa nahi mila", "ur"),
        ("ایک روپیہ بھی پیشگی نہیں دینا", "ur"),  # "not one rupee in advance"
        ("یک افغانی هم نمیدم تا نرسم", "prs"),
    ],
)
def test_not_prices(text, lang):
    assert pairs(text, lang) == []


@pytest.mark.parametrize(
    "text, detail",
    [
        ("€6,000 per person", "per_person"),
        ("3000 USD each", "per_person"),
        ("150€ par personne", "per_person"),
        ("kişi başı 300 TL", "per_person"),
        ("۴۰۰ دالر فی نفر", "per_person"),
        ("١٥ دينار للشخص", "per_person"),
        ("800 euro mỗi người", "per_person"),
        ("children under 10 pay 1000€", "per_child"),
        ("Groupe de 5 = 8000€ au total", "per_group"),
        ("1200€", None),
    ],
)
def test_price_detail(text, detail):
    [price] = extract_prices(text)
    assert price.detail == detail


def test_spans_index_the_original_text():
    text = "Tr\u0640ip ٢٬٥٠٠ يـــورو للشخص"
    [price] = extract_prices(text, lang="ar")
    assert text[price.start:price.end] == "٢٬٥٠٠ يـــورو"
    assert price.value == "2500 EUR" and price.kind == "price"


def _f1(records) -> float:
    tp = fn = fp = 0
    for rec in records:
        gold = {(float(p["amount"]), p["currency"]) for p in rec["entities"]["prices"]}
        got = {(float(e.amount), e.currency) for e in extract_prices(rec["text"], lang=rec.get("lang"))}
        tp += len(gold & got)
        fn += len(gold - got)
        fp += len(got - gold)
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    return 2 * precision * recall / max(1e-9, precision + recall)


@pytest.mark.skipif(not SEED.exists(), reason="seed data not present")
def test_seed_price_f1():
    records = [json.loads(line) for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    assert _f1(records) >= 0.90


@pytest.mark.parametrize("text, lang", [
    ("Çmimi u rrit mes 2019 dhe 2023.", "sq"),  # "dh" (dirham) inside Albanian "dhe"
    ("2020 dhe 2021 ishin vite të vështira", "sq"),
])
def test_a_short_currency_code_takes_no_ending(text, lang):
    assert extract_prices(text, lang=lang) == []


@pytest.mark.parametrize("text, lang, expected", [
    ("Xe khách Sài Gòn – Phnom Penh hàng ngày 550k, cần hộ chiếu", "vi", [(550000, "VND")]),
    ("Áo phao cứu sinh 95k/chiếc, mua từ 20 cái giảm giá", "vi", [(95000, "VND")]),
    ("Đưa đón sân bay 350k/chuyến. Gọi 07700 900733", "vi", [(350000, "VND")]),
    ("Boat from Calais 3k per person", "en", []),  # "k" alone names no currency outside Vietnamese
    ("Nhà 3 phòng, 2k m2 đất", "vi", []),
])
def test_thousands_k_in_a_vietnamese_post_is_dong(text, lang, expected):
    assert [(e.amount, e.currency) for e in extract_prices(text, lang=lang)] == expected


@pytest.mark.parametrize("text, lang, expected", [
    ("bihayê rêya Tirkiye–Almanya di navbera 6 û 10 hezar euro de ye.", "kmr", [(6000, "EUR"), (10000, "EUR")]),
    ("bihayên qaçaxçiyan ji 3000 ber bi 6000 euroyî ve bilind bûne", "kmr", [(3000, "EUR"), (6000, "EUR")]),
    ("نرخی پەڕینەوە لە ١٥٠٠ەوە بۆ ٣٠٠٠ یۆرۆ بەرز بووەتەوە.", "ckb", [(1500, "EUR"), (3000, "EUR")]),
    ("Qeyika bayî bi motorê. 45 hezar TL.", "kmr", [(45000, "TRY")]),
    ("sefer başı 40 bin TL verilir", "tr", [(40000, "TRY")]),
    ("2 or 3 people, 3000 euro each", "en", [(3000, "EUR")]),  # a count, not a range
])
def test_ranges_and_scaled_short_codes(text, lang, expected):
    assert [(e.amount, e.currency) for e in extract_prices(text, lang=lang)] == expected
