"""Payment terms: hawala, guarantee offices, pay on arrival and the rest, in every language."""
from __future__ import annotations

import pytest

from tidewatch.extract.payments import extract_payments


def values(text: str, lang: str | None = None) -> list[str]:
    return [e.value for e in extract_payments(text, lang=lang)]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Payment by hawala only, half before", "en", ["hawala"]),
        ("الدفع عن طريق حوالة للمكتب", "ar", ["hawala"]),
        ("پول با حواله به صرافی امین", "fa", ["hawala", "hawala"]),
        ("پارە بە حەواڵە", "ckb", ["hawala"]),
        ("The money goes to a trusted exchange office and is released only after we receive your video",
         "en", ["guarantee_office", "deposit_until_arrival"]),
        ("L'argent est déposé chez un bureau de garantie", "fr", ["deposit_until_arrival", "guarantee_office"]),
        ("Pere li ofîsê dimîne heta ku tu bigihîjî", "kmr", ["guarantee_office", "deposit_until_arrival"]),
        ("الفلوس بمكتب التأمين لحد ما توصل", "ar", ["guarantee_office", "deposit_until_arrival"]),
        ("6500 €, ödeme varınca güvence ofisinden", "tr", ["pay_on_arrival", "guarantee_office"]),
        ("4500 pound, pool ro bad az residan midid", "fa", ["pay_on_arrival"]),
        ("پول را بعد از رسیدن بدهید", "fa", ["pay_on_arrival"]),
        ("giấy tờ bên em lo hết, đến nơi mới trả tiền", "vi", ["pay_on_arrival"]),
        ("punë në Angli me pagesë pas mbërritjes", "sq", ["pay_on_arrival"]),
        ("مکمل پیکج، پہنچنے کے بعد ادائیگی", "ur", ["pay_on_arrival"]),
        ("Send by Western Union or MoneyGram", "en", ["western_union", "moneygram"]),
        ("Ödeme USDT ile kabul edilir", "tr", ["crypto"]),
        ("Pere bi USDT tê qebûlkirin", "kmr", ["crypto"]),
        ("Virement bancaire accepté", "fr", ["bank_transfer"]),
        ("Cash only, no cards", "en", ["cash"]),
        ("لباس گرم بیاورید، پول نقد همراه تان نباشد", "prs", ["cash"]),
        ("الدفع كاش عند الوصول", "ar", ["cash", "pay_on_arrival"]),
        ("Ödeme nakit, kalanı teslimde", "tr", ["cash", "pay_on_arrival"]),
        ("Trả bằng tiền mặt", "vi", ["cash"]),
    ],
)
def test_payments(text, lang, expected):
    assert values(text, lang) == expected


@pytest.mark.parametrize(
    "text, lang",
    [
        ("کاش می‌توانستم بروم", "fa"),  # "I wish", not cash
        ("Nice cashmere jumper for sale", "en"),
        ("on vous récupère à l'arrivée du bus", "fr"),
        ("Havalimanı servisi her saat", "tr"),
        ("Officer on duty at the port", "en"),
        ("", None),
    ],
)
def test_not_payments(text, lang):
    assert values(text, lang) == []


def test_spans():
    text = "Pay with Western Union"
    [e] = extract_payments(text)
    assert text[e.start:e.end] == "Western Union" and e.kind == "payment"
