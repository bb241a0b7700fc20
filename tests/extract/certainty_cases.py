"""Sentences written for Karte (not from MedTxt): a finding and its expected certainty.

Each row: (sentence, finding as written in it, expected certainty). Phrasing covers progress notes,
discharge summaries, radiology reports and referral letters; negation, suspicion, generic statements,
pseudo-triggers (否定できない) and scope ends (が、 しかし 。).
"""

CERTAINTY_CASES: list[tuple[str, str, str]] = [
    # positive
    ("本日より38度台の発熱あり。", "発熱", "positive"),
    ("昨夜から咳嗽が続いている。", "咳嗽", "positive"),
    ("胸部CTで右下葉に肺炎を認める。", "肺炎", "positive"),
    ("腹部エコーで胆石を認めた。", "胆石", "positive"),
    ("心電図で心房細動を認めたため抗凝固療法を開始した。", "心房細動", "positive"),
    ("両下肢に浮腫を認めます。", "浮腫", "positive"),
    ("頭部MRIで左被殻に脳梗塞を認めた。", "脳梗塞", "positive"),
    ("来院時、強い腹痛を訴えていた。", "腹痛", "positive"),
    ("血液検査で貧血を認め、鉄剤を開始した。", "貧血", "positive"),
    ("2型糖尿病にてメトホルミン内服中。", "糖尿病", "positive"),
    ("右肺上葉に25mm大の結節を認めます。", "結節", "positive"),
    ("経過中に嘔吐が出現した。", "嘔吐", "positive"),
    # negative
    ("胸水は認めない。", "胸水", "negative"),
    ("明らかな骨折は認めません。", "骨折", "negative"),
    ("発熱なし。", "発熱", "negative"),
    ("悪心・嘔吐なし。", "嘔吐", "negative"),
    ("腹部に圧痛はありません。", "圧痛", "negative"),
    ("縦隔リンパ節腫大は指摘できません。", "リンパ節腫大", "negative"),
    ("インフルエンザ迅速検査は陰性であった。", "インフルエンザ", "negative"),
    ("頭部CTでは出血を認めなかった。", "出血", "negative"),
    ("心拡大はみられない。", "心拡大", "negative"),
    ("肝臓に腫瘤性病変は認められない。", "腫瘤性病変", "negative"),
    ("呼吸困難の訴えはなく、経過良好である。", "呼吸困難", "negative"),
    ("血液培養から菌は検出されなかった。", "菌", "negative"),
    ("腹水貯留はありません。", "腹水貯留", "negative"),
    ("咽頭痛なく、鼻汁もない。", "咽頭痛", "negative"),
    ("悪性所見は否定的である。", "悪性所見", "negative"),
    ("肺塞栓症は造影CTで否定された。", "肺塞栓症", "negative"),
    ("黄疸は明らかでない。", "黄疸", "negative"),
    ("頭痛は認めず、意識も清明である。", "頭痛", "negative"),
    # suspicious
    ("肺炎の疑い。", "肺炎", "suspicious"),
    ("急性虫垂炎を疑い、外科に紹介した。", "急性虫垂炎", "suspicious"),
    ("右肺下葉の結節は肺癌が疑われます。", "肺癌", "suspicious"),
    ("骨転移の可能性があります。", "骨転移", "suspicious"),
    ("感染性心内膜炎は否定できない。", "感染性心内膜炎", "suspicious"),
    ("リンパ節転移も否定できません。", "リンパ節転移", "suspicious"),
    ("薬剤性肝障害が考えられる。", "肝障害", "suspicious"),
    ("尿路感染症の可能性を考え、尿培養を提出した。", "尿路感染症", "suspicious"),
    ("症状からは逆流性食道炎と思われる。", "逆流性食道炎", "suspicious"),
    ("r/o 肺結核", "肺結核", "suspicious"),
    ("陳旧性炎症性変化を疑います。", "陳旧性炎症性変化", "suspicious"),
    ("鑑別診断としてサルコイドーシスが挙がる。", "サルコイドーシス", "suspicious"),
    ("胸部X線の所見からうっ血性心不全の可能性が高い。", "うっ血性心不全", "suspicious"),
    ("膵癌の除外はできない。", "膵癌", "suspicious"),
    # 示唆される asserts the finding (MedTxt guideline for radiology reports)
    ("肝に多発する低吸収域を認め、多発肝転移が示唆されます。", "多発肝転移", "positive"),
    # general (not about this patient)
    ("一般に肺炎は高齢者に多い疾患である。", "肺炎", "general"),
    ("本剤では間質性肺炎の副作用が報告されている。", "間質性肺炎", "general"),
    ("胃癌の皮膚転移は稀である。", "皮膚転移", "general"),
    ("免疫チェックポイント阻害薬による肝障害が知られている。", "肝障害", "general"),
    ("抗菌薬関連下痢症は高齢者に起こる事が多い。", "抗菌薬関連下痢症", "general"),
    ("帯状疱疹後神経痛は長く続くといわれている。", "帯状疱疹後神経痛", "general"),
    ("肺血栓塞栓症は長期臥床が誘因と考えられている。", "肺血栓塞栓症", "general"),
    ("甲状腺クリーゼには早期の治療が望まれる。", "甲状腺クリーゼ", "general"),
    ("劇症型心筋炎は心原性ショックを特徴とする。", "劇症型心筋炎", "general"),
    ("全身性エリテマトーデスは若年女性に好発する。", "全身性エリテマトーデス", "general"),
    # scope ends: the trigger does not reach across が、 しかし or the sentence end
    ("咳嗽を認めるが、発熱はない。", "咳嗽", "positive"),
    ("咳嗽を認めるが、発熱はない。", "発熱", "negative"),
    ("肺炎を認める。胸水はない。", "肺炎", "positive"),
    ("頭痛あり。しかし嘔吐はない。", "頭痛", "positive"),
    ("腹痛を認めたが、腹膜刺激症状はなかった。", "腹痛", "positive"),
    ("脾腫を認め、肝腫大はない。", "脾腫", "positive"),
    ("肝腫瘤を認めます。転移を疑います。", "肝腫瘤", "positive"),
    ("発疹を認めた。薬疹が疑われた。", "発疹", "positive"),
    ("気胸はなく、肺炎像を認めます。", "気胸", "negative"),
    # pseudo-triggers: a change word after a finding does not deny the finding
    ("腫瘤の大きさに著変なし。", "腫瘤", "positive"),
    ("肺結節は前回と比べて変化なし。", "肺結節", "positive"),
    # coordinated findings share the trigger
    ("胸水、心嚢液貯留は認めない。", "胸水", "negative"),
    ("胸水、心嚢液貯留は認めない。", "心嚢液貯留", "negative"),
    ("悪寒、戦慄はなかった。", "悪寒", "negative"),
    ("肝転移や骨転移を疑う所見はありません。", "骨転移", "negative"),
    # mixed
    ("発熱と咳嗽があり、肺炎を疑った。", "発熱", "positive"),
    ("発熱と咳嗽があり、肺炎を疑った。", "肺炎", "suspicious"),
    ("CTで膵頭部に腫瘤を認め、膵癌が疑われた。", "腫瘤", "positive"),
]

HISTORY_CASES: list[tuple[str, str, str]] = [
    # (note, finding, attribute expected True: historical | family)
    ("既往歴：高血圧、脂質異常症\n現病歴：昨日より胸痛あり。", "高血圧", "historical"),
    ("家族歴：父が胃癌。\n現病歴：心窩部痛あり。", "胃癌", "family"),
    ("10年前に虫垂炎の既往あり。", "虫垂炎", "historical"),
]
