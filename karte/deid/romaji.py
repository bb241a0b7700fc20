"""Katakana ↔ romaji for names (Hepburn, with the common long-vowel spellings)."""

from __future__ import annotations

_BASE = {
    "ア": "a",
    "イ": "i",
    "ウ": "u",
    "エ": "e",
    "オ": "o",
    "カ": "ka",
    "キ": "ki",
    "ク": "ku",
    "ケ": "ke",
    "コ": "ko",
    "サ": "sa",
    "シ": "shi",
    "ス": "su",
    "セ": "se",
    "ソ": "so",
    "タ": "ta",
    "チ": "chi",
    "ツ": "tsu",
    "テ": "te",
    "ト": "to",
    "ナ": "na",
    "ニ": "ni",
    "ヌ": "nu",
    "ネ": "ne",
    "ノ": "no",
    "ハ": "ha",
    "ヒ": "hi",
    "フ": "fu",
    "ヘ": "he",
    "ホ": "ho",
    "マ": "ma",
    "ミ": "mi",
    "ム": "mu",
    "メ": "me",
    "モ": "mo",
    "ヤ": "ya",
    "ユ": "yu",
    "ヨ": "yo",
    "ラ": "ra",
    "リ": "ri",
    "ル": "ru",
    "レ": "re",
    "ロ": "ro",
    "ワ": "wa",
    "ヲ": "o",
    "ン": "n",
    "ガ": "ga",
    "ギ": "gi",
    "グ": "gu",
    "ゲ": "ge",
    "ゴ": "go",
    "ザ": "za",
    "ジ": "ji",
    "ズ": "zu",
    "ゼ": "ze",
    "ゾ": "zo",
    "ダ": "da",
    "ヂ": "ji",
    "ヅ": "zu",
    "デ": "de",
    "ド": "do",
    "バ": "ba",
    "ビ": "bi",
    "ブ": "bu",
    "ベ": "be",
    "ボ": "bo",
    "パ": "pa",
    "ピ": "pi",
    "プ": "pu",
    "ペ": "pe",
    "ポ": "po",
    "ヴ": "vu",
}
_SMALL = {"ャ": "ya", "ュ": "yu", "ョ": "yo"}
_SPECIAL_I = {"シ": "sh", "チ": "ch", "ジ": "j", "ヂ": "j"}


def katakana_to_romaji(kana: str) -> str:
    """Wāpuro-style romaji: サトウ → satou, ショウタ → shouta, ハットリ → hattori."""
    out: list[str] = []
    i = 0
    double_next = False
    while i < len(kana):
        ch = kana[i]
        nxt = kana[i + 1] if i + 1 < len(kana) else ""
        if ch == "ッ":
            double_next = True
            i += 1
            continue
        if ch == "ー":
            if out and out[-1]:
                out.append(out[-1][-1])
            i += 1
            continue
        syl = _BASE.get(ch, "")
        if nxt in _SMALL and syl.endswith("i"):
            tail = _SMALL[nxt]
            syl = _SPECIAL_I[ch] + tail[1] if ch in _SPECIAL_I else syl[:-1] + tail
            i += 1
        if double_next and syl:
            syl = ("t" if syl.startswith("ch") else syl[0]) + syl
            double_next = False
        out.append(syl)
        i += 1
    return "".join(out)


def romaji_variants(kana: str) -> set[str]:
    """Spellings a name reading is commonly written with: satou, sato, satoh; oota, ota, ohta."""
    base = katakana_to_romaji(kana)
    variants = {base}
    plain = base.replace("ou", "o").replace("uu", "u").replace("oo", "o")
    variants.add(plain)
    variants.add(base.replace("ou", "oh").replace("oo", "oh"))
    variants.add(base.replace("nm", "mm").replace("nb", "mb").replace("np", "mp"))
    return {v for v in variants if v}


def katakana_to_hiragana(kana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kana)


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
