"""Places added from observed misses (gazetteer_6_aliases_b.tsv): ur, vi, sq, en, fr, kmr, tr — and the words that only look like them."""
from __future__ import annotations

import pytest

from tidewatch.extract.places import extract_places


def names(text: str, lang: str | None = None) -> list[str]:
    return [e.value for e in extract_places(text, lang=lang)]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        # Urdu
        ("یوکے جانے کا نیا راستہ، پہلے فرانس پھر کیلے سے کشتی", "ur", ["UK", "France", "Calais"]),
        ("جیوانی سے مسقط تک لانچ، عمان میں کام", "ur", ["Jiwani", "Muscat", "Oman"]),
        ("ہنزہ اور اسکردو کا فیملی ٹور", "ur", ["Hunza", "Skardu"]),
        ("نکاراگوا سے ہونڈوراس اور گوئٹے مالا، پھر میکسیکو", "ur", ["Nicaragua", "Honduras", "Guatemala", "Mexico"]),
        # Vietnamese
        ("ĐI MỸ QUA MEXICO, bao đến nơi", "vi", ["USA", "Mexico"]),
        ("Đi chui từ Nga sang Ba Lan rồi qua Đức", "vi", ["Russia", "Poland", "Germany"]),
        ("Tuyển tài xế tuyến Hải Phòng – Lạng Sơn, nghỉ ở Mỹ Đình", "vi", ["Hai Phong", "Lang Son", "My Dinh"]),
        ("Tư vấn du học Úc, bay từ Nội Bài", "vi", ["Australia", "Noi Bai"]),
        # Albanian
        ("Ecje nga Thethi në Valbonë me guidë", "sq", ["Theth", "Valbona"]),
        ("Transfertë nga Rinasi deri në Himarë", "sq", ["Tirana International Airport", "Himara"]),
        ("Kalova Manshin me gomone para dy vjetësh", "sq", ["English Channel"]),
        # English
        ("Day sail from Lymington round the Isle of Wight", "en", ["Lymington", "Isle of Wight"]),
        ("Minibus leaves from the Belgian side at midnight", "en", ["Belgium"]),
        ("Crossing from Ciudad Juárez to El Paso with a guide", "en", ["Ciudad Juárez", "El Paso"]),
        # French
        ("Vendanges en Bourgogne puis en Champagne", "fr", ["Burgundy", "Champagne"]),
        ("Pirogue du Suriname vers Saint-Laurent-du-Maroni", "fr", ["Suriname", "Saint-Laurent-du-Maroni"]),
        ("Plage de Sangatte ce soir, départ d'Étaples", "fr", ["Sangatte", "Étaples"]),
        # Kurmanji
        ("Ji Efrînê û Kobaniyê heta Almanyayê", "kmr", ["Afrin", "Kobani", "Germany"]),
        ("Tûra Çiyayê Agiriyê 3 roj, ji Rihayê", "kmr", ["Mount Ararat", "Urfa"]),
        ("Li Edirneyê an Keşanê mal heye?", "kmr", ["Edirne", "Keşan"]),
        # Turkish
        ("Kaş – Meis gece çıkışı, tekne hazır", "tr", ["Kaş", "Kastellorizo"]),
        ("Sabiha Gökçen → Taksim VIP transfer", "tr", ["Sabiha Gökçen Airport", "Taksim"]),
        ("Körfez'e çalışma vizesi, Dubai'de kağıtlar hazır", "tr", ["Gulf", "Dubai"]),
    ],
)
def test_places_aliases_b(text, lang, expected):
    assert names(text, lang) == expected


@pytest.mark.parametrize(
    "text, lang",
    [
        ("بازار میں کیلے سستے ہیں، ایک درجن ۱۰۰ روپے", "ur"),  # "bananas", not Calais
        ("Mỹ phẩm chính hãng, giao hàng toàn quốc", "vi"),  # "cosmetics", not the USA
        ("Hợp đồng lao động chính thức, không thu phí", "vi"),  # "labour", not Laos
        ("Cảnh báo: biển động mạnh, tàu thuyền không ra khơi", "vi"),  # "rough sea", not the South China Sea
        ("Pasaporta britanike dhe greke", "sq"),  # adjectives, not places
        ("Gulf migrant workers wanted for a research interview", "en"),  # no Gulf state vouches for it
        ("Réservez sur Brittany Ferries dès maintenant", "fr"),  # a company, not the region
        ("Tu es seul ? Appelle-nous.", "fr"),  # "alone", not Seoul
        ("Koma 10 kesan erzan e, zarok belaş", "kmr"),  # "persons", not Keşan
        ("kaş yapımı ve cilt bakımı", "tr"),  # "eyebrow", not Kaş
    ],
)
def test_not_places_aliases_b(text, lang):
    assert names(text, lang) == []
