"""Document types and means of transport, code words and emoji included, negations left out."""
from __future__ import annotations

import pytest

from tidewatch.extract.documents import extract_documents, extract_transport


def docs(text: str, lang: str | None = None) -> list[str]:
    return [e.value for e in extract_documents(text, lang=lang)]


def modes(text: str, lang: str | None = None) -> list[str]:
    return [e.value for e in extract_transport(text, lang=lang)]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Greek ID cards, biometric, and a passport", "en", ["id_card", "passport"]),
        ("شینگن ویزا کا اسٹیکر آپ کے پاسپورٹ میں", "ur", ["visa", "passport"]),
        ("کارت اقامت ترکیه و کیملیک", "fa", ["residence_permit"]),
        ("Pasaporta 'të pastra' me emër tjetër", "sq", ["passport"]),
        ("sot mora lejen e qëndrimit", "sq", ["residence_permit"]),
        ("Sınavsız Avrupa ehliyeti", "tr", ["driving_licence"]),
        ("TC kimlik numaralı yabancı kimlik kartı", "tr", ["id_card", "id_card"]),
        ("renouvellement de titre de séjour", "fr", ["residence_permit"]),
        ("بڕوانامەی زانکۆ و ڤیزای کار", "ckb", ["diploma", "work_permit"]),
        ("تصديق الشهادات الدراسية", "ar", ["diploma"]),
        ("بطاقات لجوء يونانية وأوراق إقامة مؤقتة", "ar", ["refugee_status", "residence_permit"]),
        ("Làm lại giấy khai sinh để làm hộ chiếu mới", "vi", ["birth_certificate", "passport"]),
        ("visa lao động Hungary", "vi", ["work_permit"]),
        ("የስራ ቪዛ እና ፓስፖርት", "am", ["work_permit", "passport"]),
        ("شهادة سواقة ألمانية مسجلة", "ar", ["driving_licence"]),
        ("Travel history stamps 🛂 for your visa", "en", ["passport", "visa"]),
    ],
)
def test_documents(text, lang, expected):
    assert docs(text, lang) == expected


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Leaving from Le Portel beach ⛵ good engine", "en", ["boat"]),
        ("Lorry seat to Birmingham 🚛", "en", ["lorry", "lorry"]),
        ("Taxi to London 🚛 pick up from the parking near Zeebrugge", "en", ["lorry", "lorry"]),
        ("Airport taxi Heathrow, child seats free", "en", ["car"]),
        ("Athens → Milan by car, no walking 🚗", "en", ["car", "car"]),
        ("Angli me jaht luksoz nga Holanda, pa gomone", "sq", ["yacht"]),
        ("This is NOT a rubber boat: it is a 14 m sailing yacht", "en", ["yacht"]),
        ("گیم از یونان تا مقدونیه، سه شب پیاده", "prs", ["on_foot", "on_foot"]),
        ("dunki Spain via Mauritania, kashti se Canary", "ur", ["on_foot", "boat"]),
        ("Croatia → Slovenia → Italy on foot", "en", ["on_foot"]),
        ("Bi kamyona fêkiyan ji Spanyayê 🚛", "kmr", ["lorry", "lorry"]),
        ("TIR ile Avrupa'ya geçiş", "tr", ["lorry"]),
        ("kar dar Inglis ba kamion az Belgik", "fa", ["lorry"]),
        ("گەشتی ئینگلتەرا بە بەلەمی خێرا", "ckb", ["jet_boat"]),
        ("ناخد بلم من تركيا", "ar", ["boat"]),
        ("مركب حديد مش مطاط", "ar", ["boat"]),
        ("Nga Greqia në Itali me skaf 🚤", "sq", ["jet_boat", "boat"]),
        ("Pháp – Anh bằng thuyền", "vi", ["boat"]),
        ("12 người trốn trong một xe tải đông lạnh", "vi", ["lorry"]),
        ("ወደ የመን በጀልባ", "am", ["boat"]),
        ("انتقال با ون از هلند 🚐", "fa", ["van", "van"]),
        ("Place in a camper van through Dover", "en", ["van"]),
        ("Rêwîtiya bi otobusê ji Stenbolê", "kmr", ["bus"]),
        ("لە ئیستانبوڵەوە بە فڕۆکە", "ckb", ["plane"]),
        ("Ji Şîdê heta Zagrebê bi trênê 🚆", "kmr", ["train", "train"]),
        ("Tour trên du thuyền 🛳️", "vi", ["yacht"]),
    ],
)
def test_transport(text, lang, expected):
    assert modes(text, lang) == expected


@pytest.mark.parametrize(
    "text, lang",
    [
        ("د سرحد له لارې د لارښود سره", "ps"),  # "by way of", not a lorry
        ("Join our Telegram bot for updates", "en"),
        ("Quelle partie hier soir, ça marche", "fr"),
        ("بس بدنا نعرف", "ar"),  # "we just want to know"
        ("پاس کردن امتحان", "fa"),
    ],
)
def test_not_transport(text, lang):
    assert modes(text, lang) == []


def test_transport_detail_and_spans():
    text = "Taxi to London 🚛"
    taxi = [e for e in extract_transport(text) if e.detail == "taxi"]
    assert len(taxi) == 1 and text[taxi[0].start:taxi[0].end] == "Taxi" and taxi[0].value == "lorry"
