"""Generated notes with known PII, for the property test and a held-out check of the recognizers.

The wording, the labels and half of the names here are NOT those of the hand-written dev set:
surnames and given names are drawn half from the public-statistics lists the recognizer uses and
half from a separate pool of less common names (not in those lists), so the context rules are
tested on names the dictionary does not know.

    python -m karte.deid.devset.synth --n 300 --seed 7 --out /tmp/heldout.jsonl
    karte eval deid /tmp/heldout.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Less common surnames and given names (kanji, reading), none of them in names.yaml.
RARE_SURNAMES = [
    ("鬼塚", "オニツカ"),
    ("曽我部", "ソガベ"),
    ("伊集院", "イジュウイン"),
    ("神宮寺", "ジングウジ"),
    ("早乙女", "サオトメ"),
    ("宍戸", "シシド"),
    ("梶原", "カジワラ"),
    ("畠山", "ハタケヤマ"),
    ("鷲尾", "ワシオ"),
    ("樫村", "カシムラ"),
    ("椎名", "シイナ"),
    ("楠木", "クスノキ"),
    ("榊原", "サカキバラ"),
    ("芹沢", "セリザワ"),
    ("葛城", "カツラギ"),
    ("漆原", "ウルシバラ"),
    ("蓮見", "ハスミ"),
    ("鮫島", "サメジマ"),
    ("都築", "ツヅキ"),
    ("砂川", "スナガワ"),
    ("二階堂", "ニカイドウ"),
    ("雨宮", "アメミヤ"),
    ("一ノ瀬", "イチノセ"),
    ("城之内", "ジョウノウチ"),
    ("御子柴", "ミコシバ"),
    ("仙波", "センバ"),
    ("舘野", "タテノ"),
    ("嶋津", "シマヅ"),
]
RARE_GIVEN = [
    ("琥太郎", "コタロウ"),
    ("紗季", "サキ"),
    ("湊介", "ソウスケ"),
    ("結月", "ユヅキ"),
    ("龍之介", "リュウノスケ"),
    ("詩織", "シオリ"),
    ("遥斗", "ハルト"),
    ("晴美", "ハルミ"),
    ("穂乃果", "ホノカ"),
    ("陽介", "ヨウスケ"),
    ("敦子", "アツコ"),
    ("巌", "イワオ"),
    ("寅吉", "トラキチ"),
    ("ミヨ", "ミヨ"),
    ("澄江", "スミエ"),
    ("勘助", "カンスケ"),
    ("瑞穂", "ミズホ"),
    ("凪沙", "ナギサ"),
    ("朔也", "サクヤ"),
    ("千景", "チカゲ"),
    ("蒼一郎", "ソウイチロウ"),
]
PREFECTURES = [
    "北海道",
    "宮城県",
    "東京都",
    "神奈川県",
    "埼玉県",
    "愛知県",
    "京都府",
    "大阪府",
    "兵庫県",
    "広島県",
    "福岡県",
    "沖縄県",
]
CITIES = [
    "札幌市中央区",
    "仙台市青葉区",
    "世田谷区",
    "横浜市港北区",
    "さいたま市浦和区",
    "名古屋市千種区",
    "京都市左京区",
    "堺市北区",
    "神戸市灘区",
    "広島市南区",
    "北九州市小倉北区",
    "那覇市",
    "町田市",
    "豊田市",
    "西宮市",
]
TOWNS = ["緑が丘", "本町", "桜台", "東山", "若葉", "中央", "新町", "旭ヶ丘", "宮前", "千代田"]
FACILITY_HEADS = ["城東", "みどり野", "北斗", "青空", "なぎさ", "県央", "けやき", "湘南", "あさひ", "西都"]
FACILITY_SUFFIXES = [
    "病院",
    "総合病院",
    "クリニック",
    "内科医院",
    "診療所",
    "医療センター",
    "整形外科クリニック",
]
ERAS = [("令和", "R", 2019), ("平成", "H", 1989), ("昭和", "S", 1926), ("大正", "T", 1912)]
FW = str.maketrans("0123456789", "０１２３４５６７８９")

# Sentences that carry no PII but look like it (eponyms, drugs, values, generic facilities).
TRAPS = [
    "橋本病で甲状腺ホルモン補充中。",
    "パーキンソン病に対しレボドパを継続。",
    "クローン病の既往あり。",
    "バセドウ病は寛解。",
    "小児期に川崎病。",
    "アルツハイマー型認知症を合併。",
    "日本脳炎ワクチンは接種済み。",
    "Cr 1.2 mg/dL、eGFR 48。",
    "アムロジピン 5mg 1日1回。",
    "血圧 120/80 mmHg、脈拍 72/分。",
    "MMT 4/5。",
    "回復期リハビリテーション病院への転院を検討。",
    "同様の症状はない。",
    "感冒様症状で様子をみていた。",
    "NYHA II度。",
    "ギラン・バレー症候群は否定的。",
    "HbA1c 7.4%、LDL-C 132 mg/dL。",
    "第3病日に解熱。",
    "ワルファリン 2mg 内服中、PT-INR 2.1。",
    "メニエール病の既往。",
    "T2N0M0、Stage I。",
]


@dataclass
class Builder:
    rng: random.Random
    parts: list[str] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    length: int = 0

    def text(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def pii(self, type_: str, s: str) -> None:
        self.spans.append({"start": self.length, "end": self.length + len(s), "type": type_, "text": s})
        self.text(s)


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    from karte.deid.namelists import load_lexicon

    lex = load_lexicon()
    if rng.random() < 0.5:
        sur = rng.choice(RARE_SURNAMES)
        given = rng.choice(RARE_GIVEN)
    else:
        s = rng.choice(lex.surname_entries)
        g = rng.choice(lex.given_entries)
        sur, given = (s.written, s.reading), (g.written, g.reading)
    return sur[0], given[0], sur[1], given[1]


def _name_text(rng: random.Random, person: tuple[str, str, str, str]) -> str:
    sur, given, _, _ = person
    return rng.choice([f"{sur} {given}", f"{sur}　{given}", f"{sur}{given}", f"{sur} {given}"])


def _date(rng: random.Random, lo: int = 1925, hi: int = 2025) -> str:
    y, m, d = rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.randrange(8)
    if style == 0:
        out = f"{y}年{m}月{d}日"
    elif style == 1:
        out = f"{y}/{m:02d}/{d:02d}"
    elif style == 2:
        out = f"{y}-{m:02d}-{d:02d}"
    elif style in (3, 4):
        y = max(y, 1927)  # whole years of one era only (no 1926, 1989 or 2019 edge cases)
        era, abbr, start = next(e for e in ERAS if y > e[2])
        ey = y - start + 1
        if style == 3:
            out = f"{era}{'元' if ey == 1 else ey}年{m}月{d}日"
        else:
            out = f"{abbr}{ey}.{m}.{d}"
    elif style == 5:
        out = f"{m}月{d}日"
    elif style == 6:
        out = f"{y}年{m}月"
    else:
        out = f"{y}年{m}月{d}日".translate(FW)
    return out


def _phone(rng: random.Random) -> str:
    n = lambda k: "".join(str(rng.randrange(10)) for _ in range(k))  # noqa: E731
    return rng.choice(
        [
            f"03-{n(4)}-{n(4)}",
            f"090-{n(4)}-{n(4)}",
            f"0{rng.randint(11, 99)}-{n(3)}-{n(4)}",
            f"(06){n(4)}-{n(4)}",
        ]
    )


def _id(rng: random.Random) -> str:
    n = "".join(str(rng.randrange(10)) for _ in range(rng.randint(6, 10)))
    return rng.choice([n, f"K{n[:6]}", f"{n[:4]}-{n[4:]}"])


def _facility(rng: random.Random) -> str:
    return rng.choice(FACILITY_HEADS) + rng.choice(FACILITY_SUFFIXES)


def generate(rng: random.Random, doc_id: str = "synth") -> dict[str, Any]:
    """One note with its gold spans (``{"id","text","spans"}``)."""
    b = Builder(rng)
    patient = _person(rng)
    doctor = _person(rng)
    nurse = _person(rng)
    age = rng.choice([rng.randint(90, 104), None, None])
    style = rng.randrange(4)
    if style == 0:
        b.text("氏名：")
        b.pii("PATIENT_NAME", _name_text(rng, patient))
        b.text("（")
        b.pii("PATIENT_NAME", f"{patient[2]} {patient[3]}")
        b.text("）\n")
    elif style == 1:
        b.text("患者名 ")
        b.pii("PATIENT_NAME", _name_text(rng, patient))
        b.text(" 様\n")
    elif style == 2:
        b.pii("PATIENT_NAME", _name_text(rng, patient))
        b.text(" 様")
        if age:
            b.text("（")
            b.pii("AGE", f"{age}歳")
            b.text("）")
        b.text("\n")
    else:
        b.text("【患者】")
        b.pii("PATIENT_NAME", _name_text(rng, patient))
        b.text(" さん\n")
    b.text(rng.choice(["患者ID：", "ID ", "カルテ番号 ", "患者番号："]))
    b.pii("ID", _id(rng))
    b.text("\n生年月日：")
    b.pii("DATE", _date(rng, 1920, 2005))
    b.text("\n")
    for _ in range(rng.randint(2, 4)):
        b.pii("DATE", _date(rng, 2015, 2025))
        b.text(rng.choice(["に入院。", " 外来受診。", "より内服開始。", "、手術施行。"]))
        b.text(rng.choice(TRAPS) + "\n")
    if rng.random() < 0.6:
        b.text(rng.choice(["紹介元：", "前医：", "転院先："]))
        b.pii("FACILITY", _facility(rng))
        b.text("\n")
    if rng.random() < 0.5:
        b.text("住所：〒")
        b.pii("POSTAL_CODE", f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}")
        b.text(" ")
        pref = rng.choice(PREFECTURES)
        b.pii(
            "ADDRESS",
            f"{pref}{rng.choice(CITIES)}{rng.choice(TOWNS)}"
            f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        )
        b.text("\n")
    if rng.random() < 0.6:
        b.text(rng.choice(["連絡先 ", "TEL ", "電話："]))
        b.pii("PHONE", _phone(rng))
        b.text("\n")
    b.text(rng.choice(["主治医：", "担当医 ", "記載者："]))
    b.pii("PERSON_NAME", _name_text(rng, doctor))
    b.text("\n")
    if rng.random() < 0.5:
        b.text("担当看護師 ")
        b.pii("PERSON_NAME", _name_text(rng, nurse))
        b.text("\n")
    else:
        b.pii("PERSON_NAME", nurse[0])
        b.text(rng.choice(["看護師より報告あり。\n", "Nsが付き添い。\n", "さん（ケアマネジャー）と調整。\n"]))
    return {"id": doc_id, "kind": "synthetic", "text": "".join(b.parts), "spans": b.spans}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        for i in range(args.n):
            fh.write(json.dumps(generate(rng, f"synth-{i:04d}"), ensure_ascii=False) + "\n")
    print(f"{args.n} documents written to {args.out}")


if __name__ == "__main__":
    main()
