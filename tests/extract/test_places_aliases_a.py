"""Places: aliases from gazetteer_6_aliases_a.tsv (Amharic, Tigrinya, Arabic, Sorani, Persian, Dari, Pashto)."""
from __future__ import annotations

import pytest

from tidewatch.extract.places import extract_places


def names(text: str, lang: str | None = None) -> list[str]:
    return [e.value for e in extract_places(text, lang=lang)]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        # Amharic
        ("ከጂቡቲ ወደ የመን በጀልባ ነገ ማታ", "am", ["Djibouti", "Yemen"]),
        ("በማላዊና በሞዛምቢክ በኩል የሚሄድ መኪና", "am", ["Malawi", "Mozambique"]),
        ("በዝዋይ ሐይቅ የሚሸጥ ትንሽ ጀልባ", "am", ["Lake Ziway"]),
        ("መልካም የሆሳዕና በዓል ለሁላችሁ", "am", []),  # Palm Sunday, not the town
        ("በሆሳዕና እና በሀዲያ ወኪሎች እንፈልጋለን", "am", ["Hosaena", "Hadiya"]),
        # Tigrinya
        ("ካብ ሚላኖ ናብ ሙኒክ ብኣውቶቡስ", "ti", ["Milan", "Munich"]),
        ("ሓፍተይ ሎሚ ሽወደን በጺሓ", "ti", ["Sweden"]),
        ("ካብ ኻርቱም ናብ ኩፍራ መገዲ በረኻ", "ti", ["Khartoum", "Kufra"]),
        ("ኣብ ቀይሕ ባሕሪ ብርቱዕ ንፋስ", "ti", ["Red Sea"]),
        # Arabic
        ("عبّارة طنجة المتوسط – الجزيرة الخضراء كل يوم", "ar", ["Tanger Med", "Algeciras"]),
        ("رحلة إلى وادي رم مع دليل", "ar", ["Wadi Rum"]),
        ("من الخمس لإيطاليا بمركب كبير", "ar", ["Al Khums", "Italy"]),
        ("واحد من الخمس ما وصل", "ar", []),  # "one of the five"
        ("اشترى سيارة زرقاء، والبحر الزرقاء جميل", "ar", []),  # "blue", not Zarqa
        ("في الزاوية اليمنى من الصورة", "ar", []),  # "the corner", not Zawiya
        # Sorani
        ("گەشتی بەلەم لە دەریاچەی دوکان", "ckb", ["Lake Dukan"]),
        ("لە ئەستەنبوڵەوە بۆ ئەدرنە", "ckb", ["Istanbul", "Edirne"]),
        ("گەشتی شاخەوانی بۆ هەڵگورد", "ckb", ["Halgurd"]),
        ("لە کەناری دەریا دانیشتین", "ckb", []),  # "on the shore", not the Canaries
        # Persian
        ("لنج از جاسک به عمان، حرکت شبانه", "fa", ["Jask", "Oman"]),
        ("بلیط کشتی دانکرک–دوور برای تعطیلات", "fa", ["Dunkirk", "Dover"]),
        ("کایاک دو نفره دست دوم، رشت", "fa", ["Rasht"]),
        # Dari
        ("بس کابل - مزار هر روز ساعت ۶ صبح", "prs", ["Kabul", "Mazar-i-Sharif"]),
        ("کی جمعه به پغمان پکنیک می‌آید؟", "prs", ["Paghman"]),
        ("یک مزار قدیمی در کنار جاده", "prs", []),  # "a shrine", no Afghan place to vouch
        # Pashto
        ("هغه کسان چې په کاله کې دي تیار اوسئ", "ps", ["Calais"]),
        ("ناران کاغان ته ډله ییز سفر", "ps", ["Naran", "Kaghan"]),
        ("دوه کاله وروسته راغلم", "ps", []),  # "two years", not Calais
        ("زموږ د کور په چمن کې ګلونه", "ps", []),  # "lawn", not Chaman
    ],
)
def test_aliases_a(text, lang, expected):
    assert names(text, lang) == expected


@pytest.mark.parametrize("text, lang, expected", [
    ("دعم مالي للعائلات المحتاجة", "ar", []),  # "financial", not Mali
    ("کمک مالی به خانواده‌ها", "fa", []),
    ("من مالي إلى الجزائر ثم ليبيا", "ar", ["Mali", "Algeria", "Libya"]),
])
def test_mali_needs_a_neighbour(text, lang, expected):
    assert names(text, lang) == expected
