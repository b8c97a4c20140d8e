"""The starter clause library: each key in Chinese and in English, with the fallback positions a negotiator may offer.

甲方 / Party A is the customer and 乙方 / Party B our signing entity, as in the seeded templates. The standard text
is the company's first position; each alternative is a concession (or, for payment, a different structure) that
marks a generated document as non-standard. Texts are plain, one paragraph a line; they may print contract values
(`{{ contract.amount }}`) but not other clauses. English clauses print currency codes and no dates, so they read
the same in an English and in a bilingual template.
"""

CLAUSES: list[dict] = [
    # --- payment ----------------------------------------------------------------------------------------------
    {
        "key": "payment",
        "language": "zh-hans",
        "category": "payment",
        "title": "付款条款",
        "text": (
            "1. 甲方应在乙方交付全部产品或服务并经甲方验收合格，且收到乙方开具的合法有效的增值税专用发票之日起三十（30）日内，"
            "一次性向乙方支付本合同总价款（{{ contract.currency_name }} {{ contract.amount }}）。\n"
            "2. 甲方应以银行转账方式将款项支付至本合同载明的乙方收款账户。乙方变更收款账户的，应提前以加盖公章的书面形式通知甲方；"
            "甲方在收到该通知前向原账户付款的，视为已履行相应的付款义务。\n"
            "3. 甲方逾期付款的，每逾期一日，应按逾期未付金额的万分之五（0.05%）向乙方支付逾期付款违约金；"
            "逾期超过三十（30）日的，乙方有权暂停履行本合同项下尚未履行的义务，直至甲方付清全部到期款项，由此导致的履行期限顺延。\n"
            "4. 因付款产生的银行手续费，由双方各自承担。"
        ),
        "alternatives": [
            {
                "label": "付款期限延长至验收后六十（60）日",
                "text": (
                    "1. 甲方应在乙方交付全部产品或服务并经甲方验收合格，且收到乙方开具的合法有效的增值税专用发票之日起六十（60）日内，"
                    "一次性向乙方支付本合同总价款（{{ contract.currency_name }} {{ contract.amount }}）。\n"
                    "2. 甲方应以银行转账方式将款项支付至本合同载明的乙方收款账户。乙方变更收款账户的，应提前以加盖公章的书面形式通知甲方；"
                    "甲方在收到该通知前向原账户付款的，视为已履行相应的付款义务。\n"
                    "3. 甲方逾期付款的，每逾期一日，应按逾期未付金额的万分之五（0.05%）向乙方支付逾期付款违约金；"
                    "逾期超过三十（30）日的，乙方有权暂停履行本合同项下尚未履行的义务，直至甲方付清全部到期款项，由此导致的履行期限顺延。\n"
                    "4. 因付款产生的银行手续费，由双方各自承担。"
                ),
            },
            {
                "label": "分期付款：预付 30%，验收后付 70%",
                "text": (
                    "1. 本合同生效之日起七（7）个工作日内，甲方应凭乙方开具的合法有效的增值税专用发票，"
                    "向乙方支付本合同总价款（{{ contract.currency_name }} {{ contract.amount }}）的百分之三十（30%）作为预付款。\n"
                    "2. 乙方交付全部产品或服务并经甲方验收合格，且甲方收到乙方开具的相应发票之日起三十（30）日内，"
                    "甲方应向乙方支付本合同总价款的百分之七十（70%）。\n"
                    "3. 甲方应以银行转账方式将款项支付至本合同载明的乙方收款账户。乙方变更收款账户的，应提前以加盖公章的书面形式通知甲方。\n"
                    "4. 甲方逾期付款的，每逾期一日，应按逾期未付金额的万分之五（0.05%）向乙方支付逾期付款违约金；"
                    "甲方未按期支付预付款的，乙方的交付期限相应顺延。"
                ),
            },
        ],
    },
    {
        "key": "payment",
        "language": "en",
        "category": "payment",
        "title": "Payment",
        "text": (
            "(a) Party A shall pay the total Contract Price ({{ contract.currency }} {{ contract.amount }}) to Party B in one "
            "instalment within thirty (30) days after the later of (i) Party A's acceptance of all products and services "
            "delivered under this Contract and (ii) Party A's receipt of a valid VAT special invoice issued by Party B.\n"
            "(b) Payment shall be made by bank transfer to Party B's account stated in this Contract. Party B shall give "
            "notice of any change of account in writing under its company seal; a payment made to the previous account "
            "before Party A receives such notice discharges Party A's obligation to the extent of that payment.\n"
            "(c) If Party A fails to pay any amount when due, Party A shall pay late-payment damages of 0.05% of the "
            "overdue amount for each day of delay. If any amount remains overdue for more than thirty (30) days, Party B "
            "may suspend performance of its outstanding obligations until all amounts due have been paid, and the time "
            "for Party B's performance shall be extended accordingly.\n"
            "(d) Each Party shall bear its own bank charges."
        ),
        "alternatives": [
            {
                "label": "Payment within sixty (60) days of acceptance",
                "text": (
                    "(a) Party A shall pay the total Contract Price ({{ contract.currency }} {{ contract.amount }}) to Party B "
                    "in one instalment within sixty (60) days after the later of (i) Party A's acceptance of all products and "
                    "services delivered under this Contract and (ii) Party A's receipt of a valid VAT special invoice issued "
                    "by Party B.\n"
                    "(b) Payment shall be made by bank transfer to Party B's account stated in this Contract. Party B shall "
                    "give notice of any change of account in writing under its company seal; a payment made to the previous "
                    "account before Party A receives such notice discharges Party A's obligation to the extent of that "
                    "payment.\n"
                    "(c) If Party A fails to pay any amount when due, Party A shall pay late-payment damages of 0.05% of the "
                    "overdue amount for each day of delay. If any amount remains overdue for more than thirty (30) days, "
                    "Party B may suspend performance of its outstanding obligations until all amounts due have been paid, "
                    "and the time for Party B's performance shall be extended accordingly.\n"
                    "(d) Each Party shall bear its own bank charges."
                ),
            },
            {
                "label": "Instalments: 30% advance, 70% on acceptance",
                "text": (
                    "(a) Within seven (7) business days after this Contract takes effect, Party A shall pay thirty per cent "
                    "(30%) of the total Contract Price ({{ contract.currency }} {{ contract.amount }}) to Party B as an "
                    "advance payment, against a valid VAT special invoice issued by Party B.\n"
                    "(b) Within thirty (30) days after the later of Party A's acceptance of all products and services and "
                    "Party A's receipt of the corresponding invoice, Party A shall pay the remaining seventy per cent (70%) "
                    "of the total Contract Price.\n"
                    "(c) Payment shall be made by bank transfer to Party B's account stated in this Contract. Party B shall "
                    "give notice of any change of account in writing under its company seal.\n"
                    "(d) If Party A fails to pay any amount when due, Party A shall pay late-payment damages of 0.05% of the "
                    "overdue amount for each day of delay. If the advance payment is late, the time for delivery shall be "
                    "extended accordingly."
                ),
            },
        ],
    },
    # --- delivery ---------------------------------------------------------------------------------------------
    {
        "key": "delivery",
        "language": "zh-hans",
        "category": "delivery",
        "title": "交付条款",
        "text": (
            "1. 乙方应于本合同生效之日起三十（30）日内，将合同项下产品交付至甲方指定的交货地点。"
            "甲方应至迟于约定交货日前五（5）个工作日，以书面形式告知乙方交货地点、收货人及其联系方式。\n"
            "2. 除本合同另有约定外，乙方负责安排运输，并承担产品运至交货地点的运输费用和保险费用。"
            "产品包装应符合国家标准或者行业标准，足以保证产品在正常运输、装卸过程中完好无损。\n"
            "3. 甲方或其指定的收货人应在交货时当场清点产品数量、检查外包装，并在送货单上签收。"
            "该签收仅表示对产品数量和外包装的确认，不视为产品质量验收合格。\n"
            "4. 产品毁损、灭失的风险，自产品交付甲方（即甲方或其指定的收货人签收）时起由甲方承担；"
            "甲方未按约定受领产品的，自约定交货之日起由甲方承担。\n"
            "5. 在甲方付清本合同项下全部价款之前，产品的所有权属于乙方。\n"
            "6. 因甲方原因导致交付迟延的，交货期限相应顺延，由此增加的仓储、运输等费用由甲方承担。"
        ),
        "alternatives": [
            {
                "label": "甲方自提（乙方仓库交货）",
                "text": (
                    "1. 乙方应于本合同生效之日起三十（30）日内，在乙方仓库备妥合同项下产品，并书面通知甲方提货。"
                    "甲方应于收到提货通知之日起五（5）个工作日内自行提货，并承担提货及运输的费用和风险。\n"
                    "2. 产品毁损、灭失的风险，自产品在乙方仓库交付甲方时起由甲方承担；甲方未按期提货的，"
                    "自提货期限届满之日起由甲方承担，此后发生的仓储费用亦由甲方承担。\n"
                    "3. 甲方提货时应当场清点产品数量、检查外包装，并在送货单上签收。该签收仅表示对产品数量和外包装的确认，"
                    "不视为产品质量验收合格。\n"
                    "4. 在甲方付清本合同项下全部价款之前，产品的所有权属于乙方。"
                ),
            },
        ],
    },
    {
        "key": "delivery",
        "language": "en",
        "category": "delivery",
        "title": "Delivery",
        "text": (
            "(a) Party B shall deliver the products to the delivery place designated by Party A within thirty (30) days "
            "after this Contract takes effect. Party A shall notify Party B in writing of the delivery place, the consignee "
            "and the consignee's contact details no later than five (5) business days before the agreed delivery date.\n"
            "(b) Unless otherwise agreed in this Contract, Party B shall arrange carriage and bear the freight and "
            "insurance costs to the delivery place. The products shall be packed in accordance with the applicable "
            "national or industry standards so as to withstand normal transport and handling.\n"
            "(c) On delivery, Party A or its designated consignee shall count the products, inspect the outer packaging "
            "and sign the delivery note. Signature of the delivery note confirms the quantity and the outer packaging only "
            "and does not constitute acceptance of the quality of the products.\n"
            "(d) Risk of damage to or loss of the products passes to Party A on delivery, that is, when Party A or its "
            "designated consignee signs the delivery note. If Party A fails to take delivery as agreed, risk passes to "
            "Party A on the agreed delivery date.\n"
            "(e) Title to the products remains with Party B until Party A has paid all amounts due under this Contract.\n"
            "(f) If delivery is delayed for reasons attributable to Party A, the time for delivery shall be extended "
            "accordingly and Party A shall bear any resulting storage, transport and other additional costs."
        ),
        "alternatives": [
            {
                "label": "Collection by Party A at Party B's warehouse",
                "text": (
                    "(a) Within thirty (30) days after this Contract takes effect, Party B shall have the products ready for "
                    "collection at its warehouse and notify Party A in writing. Party A shall collect the products within "
                    "five (5) business days after receipt of the notice, at its own cost and risk.\n"
                    "(b) Risk of damage to or loss of the products passes to Party A when the products are handed over at "
                    "Party B's warehouse or, if Party A fails to collect them in time, on expiry of the collection period; "
                    "storage costs incurred after that date shall be borne by Party A.\n"
                    "(c) On collection, Party A shall count the products, inspect the outer packaging and sign the delivery "
                    "note, which confirms the quantity and the outer packaging only.\n"
                    "(d) Title to the products remains with Party B until Party A has paid all amounts due under this "
                    "Contract."
                ),
            },
        ],
    },
    # --- acceptance -------------------------------------------------------------------------------------------
    {
        "key": "acceptance",
        "language": "zh-hans",
        "category": "acceptance",
        "title": "验收条款",
        "text": (
            "1. 甲方应在产品交付或服务完成之日起七（7）个工作日内，依据本合同约定的规格、技术标准及乙方提供的产品说明进行验收；"
            "验收合格的，甲方应签署验收确认单。\n"
            "2. 验收不合格的，甲方应在上述验收期限内以书面形式向乙方提出异议，并附具体说明及相应证据。"
            "乙方应在收到书面异议之日起十五（15）个工作日内予以修复、更换或者补足，并提请甲方重新验收。\n"
            "3. 甲方在验收期限内未进行验收或者未提出书面异议的，视为验收合格。"
            "甲方在验收完成前已将产品或服务投入使用的（为验收目的进行的必要测试除外），视为验收合格。\n"
            "4. 验收合格不免除乙方在质量保证期内依本合同应承担的责任。"
        ),
        "alternatives": [
            {
                "label": "验收期延长至十五（15）个工作日",
                "text": (
                    "1. 甲方应在产品交付或服务完成之日起十五（15）个工作日内，依据本合同约定的规格、技术标准及乙方提供的产品说明进行验收；"
                    "验收合格的，甲方应签署验收确认单。\n"
                    "2. 验收不合格的，甲方应在上述验收期限内以书面形式向乙方提出异议，并附具体说明及相应证据。"
                    "乙方应在收到书面异议之日起十五（15）个工作日内予以修复、更换或者补足，并提请甲方重新验收。\n"
                    "3. 甲方在验收期限内未进行验收或者未提出书面异议的，视为验收合格。"
                    "甲方在验收完成前已将产品或服务投入使用的（为验收目的进行的必要测试除外），视为验收合格。\n"
                    "4. 验收合格不免除乙方在质量保证期内依本合同应承担的责任。"
                ),
            },
            {
                "label": "两次验收不合格时甲方可退货并解除相应部分",
                "text": (
                    "1. 甲方应在产品交付或服务完成之日起七（7）个工作日内，依据本合同约定的规格、技术标准及乙方提供的产品说明进行验收；"
                    "验收合格的，甲方应签署验收确认单。\n"
                    "2. 验收不合格的，甲方应在上述验收期限内以书面形式向乙方提出异议，并附具体说明及相应证据。"
                    "乙方应在收到书面异议之日起十五（15）个工作日内予以修复、更换或者补足，并提请甲方重新验收。\n"
                    "3. 经乙方两次修复或者更换后仍验收不合格的，甲方有权退回不合格的产品或者拒绝接受相应服务，并解除本合同的相应部分；"
                    "乙方应在收到解除通知之日起十五（15）日内退还甲方已支付的相应款项。\n"
                    "4. 甲方在验收期限内未进行验收或者未提出书面异议的，视为验收合格。"
                ),
            },
        ],
    },
    {
        "key": "acceptance",
        "language": "en",
        "category": "acceptance",
        "title": "Acceptance",
        "text": (
            "(a) Party A shall inspect the products or services within seven (7) business days after delivery of the "
            "products or completion of the services, against the specifications and technical standards agreed in this "
            "Contract and the product documentation provided by Party B, and shall sign an acceptance certificate if they "
            "conform.\n"
            "(b) If the products or services do not conform, Party A shall notify Party B in writing within the inspection "
            "period, with particulars and supporting evidence. Party B shall repair, replace or make up the non-conforming "
            "products or services within fifteen (15) business days after receipt of the notice and submit them for "
            "re-inspection.\n"
            "(c) If Party A does not inspect the products or services or does not give written notice of non-conformity "
            "within the inspection period, they shall be deemed accepted. Use of the products or services by Party A before "
            "acceptance, other than testing reasonably required for inspection, shall also constitute acceptance.\n"
            "(d) Acceptance does not relieve Party B of its obligations during the warranty period under this Contract."
        ),
        "alternatives": [
            {
                "label": "Inspection period of fifteen (15) business days",
                "text": (
                    "(a) Party A shall inspect the products or services within fifteen (15) business days after delivery of "
                    "the products or completion of the services, against the specifications and technical standards agreed "
                    "in this Contract and the product documentation provided by Party B, and shall sign an acceptance "
                    "certificate if they conform.\n"
                    "(b) If the products or services do not conform, Party A shall notify Party B in writing within the "
                    "inspection period, with particulars and supporting evidence. Party B shall repair, replace or make up "
                    "the non-conforming products or services within fifteen (15) business days after receipt of the notice "
                    "and submit them for re-inspection.\n"
                    "(c) If Party A does not inspect the products or services or does not give written notice of "
                    "non-conformity within the inspection period, they shall be deemed accepted. Use of the products or "
                    "services by Party A before acceptance, other than testing reasonably required for inspection, shall "
                    "also constitute acceptance.\n"
                    "(d) Acceptance does not relieve Party B of its obligations during the warranty period under this "
                    "Contract."
                ),
            },
            {
                "label": "Rejection and partial termination after two failed re-inspections",
                "text": (
                    "(a) Party A shall inspect the products or services within seven (7) business days after delivery of "
                    "the products or completion of the services, against the specifications and technical standards agreed "
                    "in this Contract and the product documentation provided by Party B, and shall sign an acceptance "
                    "certificate if they conform.\n"
                    "(b) If the products or services do not conform, Party A shall notify Party B in writing within the "
                    "inspection period, with particulars and supporting evidence. Party B shall repair, replace or make up "
                    "the non-conforming products or services within fifteen (15) business days after receipt of the notice "
                    "and submit them for re-inspection.\n"
                    "(c) If the products or services still do not conform after two attempts by Party B to repair or "
                    "replace them, Party A may reject the non-conforming products or services and terminate this Contract "
                    "to that extent by written notice, and Party B shall refund the corresponding amounts paid within "
                    "fifteen (15) days after receipt of the notice.\n"
                    "(d) If Party A does not inspect the products or services or does not give written notice of "
                    "non-conformity within the inspection period, they shall be deemed accepted."
                ),
            },
        ],
    },
    # --- warranty ---------------------------------------------------------------------------------------------
    {
        "key": "warranty",
        "language": "zh-hans",
        "category": "warranty",
        "title": "质量保证",
        "text": (
            "1. 乙方保证所交付的产品为全新、未经使用的合格产品，符合本合同约定的规格、型号及技术标准；本合同没有约定或者约定不明确的，"
            "符合国家标准、行业标准；没有国家标准、行业标准的，符合通常标准或者符合合同目的的特定标准。\n"
            "2. 质量保证期为自验收合格之日起十二（12）个月。在质量保证期内，产品非因甲方原因出现质量问题的，"
            "乙方应在收到甲方书面通知之日起五（5）个工作日内免费予以维修或者更换。\n"
            "3. 因下列原因造成的故障或者损坏不属于质量保证范围：甲方或者第三方未按照产品说明书使用、维护或者保管；"
            "未经乙方书面同意擅自拆卸、改装或者维修；不可抗力；正常损耗。\n"
            "4. 乙方保证对所交付的产品享有合法的处分权，且产品不侵犯任何第三方的知识产权或者其他合法权益。"
            "第三方就此向甲方主张权利的，由乙方负责处理，并赔偿甲方因此遭受的损失。\n"
            "5. 除本条明确约定的保证外，在法律允许的范围内，乙方不作其他任何明示或者默示的保证。"
        ),
        "alternatives": [
            {
                "label": "质量保证期延长至二十四（24）个月",
                "text": (
                    "1. 乙方保证所交付的产品为全新、未经使用的合格产品，符合本合同约定的规格、型号及技术标准；本合同没有约定或者约定不明确的，"
                    "符合国家标准、行业标准；没有国家标准、行业标准的，符合通常标准或者符合合同目的的特定标准。\n"
                    "2. 质量保证期为自验收合格之日起二十四（24）个月。在质量保证期内，产品非因甲方原因出现质量问题的，"
                    "乙方应在收到甲方书面通知之日起五（5）个工作日内免费予以维修或者更换。\n"
                    "3. 因下列原因造成的故障或者损坏不属于质量保证范围：甲方或者第三方未按照产品说明书使用、维护或者保管；"
                    "未经乙方书面同意擅自拆卸、改装或者维修；不可抗力；正常损耗。\n"
                    "4. 乙方保证对所交付的产品享有合法的处分权，且产品不侵犯任何第三方的知识产权或者其他合法权益。"
                    "第三方就此向甲方主张权利的，由乙方负责处理，并赔偿甲方因此遭受的损失。\n"
                    "5. 除本条明确约定的保证外，在法律允许的范围内，乙方不作其他任何明示或者默示的保证。"
                ),
            },
        ],
    },
    {
        "key": "warranty",
        "language": "en",
        "category": "warranty",
        "title": "Warranty",
        "text": (
            "(a) Party B warrants that the products delivered are new, unused and of merchantable quality and conform to "
            "the specifications, models and technical standards agreed in this Contract or, where none are agreed, to the "
            "applicable national or industry standards or, failing those, to the usual standards or the particular "
            "standards consistent with the purpose of this Contract.\n"
            "(b) The warranty period is twelve (12) months from acceptance. If, during the warranty period, a product "
            "proves defective for reasons not attributable to Party A, Party B shall repair or replace it free of charge "
            "within five (5) business days after receipt of Party A's written notice.\n"
            "(c) The warranty does not cover faults or damage caused by use, maintenance or storage by Party A or any "
            "third party otherwise than in accordance with the product documentation; dismantling, modification or repair "
            "without Party B's written consent; force majeure; or normal wear and tear.\n"
            "(d) Party B warrants that it is entitled to dispose of the products and that the products do not infringe "
            "any intellectual property right or other lawful right of any third party. Party B shall handle any such claim "
            "made against Party A and indemnify Party A against the resulting losses.\n"
            "(e) To the extent permitted by law, Party B gives no warranty, express or implied, other than those set out "
            "in this Article."
        ),
        "alternatives": [
            {
                "label": "Warranty period of twenty-four (24) months",
                "text": (
                    "(a) Party B warrants that the products delivered are new, unused and of merchantable quality and "
                    "conform to the specifications, models and technical standards agreed in this Contract or, where none "
                    "are agreed, to the applicable national or industry standards or, failing those, to the usual standards "
                    "or the particular standards consistent with the purpose of this Contract.\n"
                    "(b) The warranty period is twenty-four (24) months from acceptance. If, during the warranty period, a "
                    "product proves defective for reasons not attributable to Party A, Party B shall repair or replace it "
                    "free of charge within five (5) business days after receipt of Party A's written notice.\n"
                    "(c) The warranty does not cover faults or damage caused by use, maintenance or storage by Party A or "
                    "any third party otherwise than in accordance with the product documentation; dismantling, modification "
                    "or repair without Party B's written consent; force majeure; or normal wear and tear.\n"
                    "(d) Party B warrants that it is entitled to dispose of the products and that the products do not "
                    "infringe any intellectual property right or other lawful right of any third party. Party B shall handle "
                    "any such claim made against Party A and indemnify Party A against the resulting losses.\n"
                    "(e) To the extent permitted by law, Party B gives no warranty, express or implied, other than those set "
                    "out in this Article."
                ),
            },
        ],
    },
    # --- confidentiality --------------------------------------------------------------------------------------
    {
        "key": "confidentiality",
        "language": "zh-hans",
        "category": "confidentiality",
        "title": "保密条款",
        "text": (
            "1. 一方（“接收方”）因签订或者履行本合同而知悉的另一方（“披露方”）的商业秘密、技术信息、经营信息以及本合同的内容"
            "（统称“保密信息”），接收方应当予以保密，仅得为履行本合同之目的使用；未经披露方事先书面同意，不得向任何第三方披露。\n"
            "2. 接收方可以向为履行本合同而确需知悉保密信息的员工、关联方及专业顾问披露保密信息，"
            "但应确保其承担不低于本条约定的保密义务，并对其违反保密义务的行为承担责任。\n"
            "3. 下列信息不属于保密信息：（1）披露时已为公众所知悉，或者非因接收方违约而为公众所知悉的信息；"
            "（2）接收方在披露前已合法知悉且不负有保密义务的信息；（3）接收方从有权披露的第三方合法获得且不负有保密义务的信息；"
            "（4）接收方未使用保密信息而独立开发的信息。\n"
            "4. 依照法律法规、监管规定或者司法机关、行政机关的要求必须披露保密信息的，接收方可以在必要范围内披露，"
            "但应在法律允许的范围内事先通知披露方。\n"
            "5. 本合同终止或者披露方书面要求时，接收方应当归还或者销毁保密信息及其载体，法律法规要求保留的除外。\n"
            "6. 本条约定的保密义务在本合同有效期内及本合同终止后三（3）年内持续有效；"
            "对于构成商业秘密的信息，保密义务持续至该信息依法不再构成商业秘密之日。"
        ),
        "alternatives": [
            {
                "label": "保密期延长至合同终止后五（5）年",
                "text": (
                    "1. 一方（“接收方”）因签订或者履行本合同而知悉的另一方（“披露方”）的商业秘密、技术信息、经营信息以及本合同的内容"
                    "（统称“保密信息”），接收方应当予以保密，仅得为履行本合同之目的使用；未经披露方事先书面同意，不得向任何第三方披露。\n"
                    "2. 接收方可以向为履行本合同而确需知悉保密信息的员工、关联方及专业顾问披露保密信息，"
                    "但应确保其承担不低于本条约定的保密义务，并对其违反保密义务的行为承担责任。\n"
                    "3. 下列信息不属于保密信息：（1）披露时已为公众所知悉，或者非因接收方违约而为公众所知悉的信息；"
                    "（2）接收方在披露前已合法知悉且不负有保密义务的信息；（3）接收方从有权披露的第三方合法获得且不负有保密义务的信息；"
                    "（4）接收方未使用保密信息而独立开发的信息。\n"
                    "4. 依照法律法规、监管规定或者司法机关、行政机关的要求必须披露保密信息的，接收方可以在必要范围内披露，"
                    "但应在法律允许的范围内事先通知披露方。\n"
                    "5. 本合同终止或者披露方书面要求时，接收方应当归还或者销毁保密信息及其载体，法律法规要求保留的除外。\n"
                    "6. 本条约定的保密义务在本合同有效期内及本合同终止后五（5）年内持续有效；"
                    "对于构成商业秘密的信息，保密义务持续至该信息依法不再构成商业秘密之日。"
                ),
            },
        ],
    },
    {
        "key": "confidentiality",
        "language": "en",
        "category": "confidentiality",
        "title": "Confidentiality",
        "text": (
            "(a) Each Party (the \"Receiving Party\") shall keep confidential the trade secrets, technical "
            "information and business information of the other Party (the \"Disclosing Party\") and the terms of "
            "this Contract that come to its knowledge in connection with the conclusion or performance of this Contract "
            "(together, \"Confidential Information\"), shall use Confidential Information solely for the purpose of "
            "performing this Contract, and shall not disclose it to any third party without the Disclosing Party's prior "
            "written consent.\n"
            "(b) The Receiving Party may disclose Confidential Information to those of its employees, affiliates and "
            "professional advisers who need to know it for the performance of this Contract, provided that they are bound "
            "by confidentiality obligations no less protective than this Article. The Receiving Party is responsible for "
            "any breach of such obligations by them.\n"
            "(c) Confidential Information does not include information that (i) is or becomes publicly known other than "
            "through a breach by the Receiving Party; (ii) was lawfully known to the Receiving Party before disclosure free "
            "of any duty of confidentiality; (iii) is lawfully obtained by the Receiving Party from a third party entitled "
            "to disclose it free of any duty of confidentiality; or (iv) is independently developed by the Receiving Party "
            "without use of Confidential Information.\n"
            "(d) The Receiving Party may disclose Confidential Information to the extent required by law, regulation or "
            "an order of a judicial or administrative authority, provided that, where lawful, it gives the Disclosing Party "
            "prior notice.\n"
            "(e) On termination of this Contract or at the Disclosing Party's written request, the Receiving Party shall "
            "return or destroy all Confidential Information and any media containing it, save as required to be retained "
            "by law.\n"
            "(f) The obligations under this Article continue during the term of this Contract and for three (3) years "
            "after its termination and, for any information that is a trade secret, for as long as that information "
            "remains a trade secret under applicable law."
        ),
        "alternatives": [
            {
                "label": "Confidentiality for five (5) years after termination",
                "text": (
                    "(a) Each Party (the \"Receiving Party\") shall keep confidential the trade secrets, technical "
                    "information and business information of the other Party (the \"Disclosing Party\") and the terms "
                    "of this Contract that come to its knowledge in connection with the conclusion or performance of this "
                    "Contract (together, \"Confidential Information\"), shall use Confidential Information solely for "
                    "the purpose of performing this Contract, and shall not disclose it to any third party without the "
                    "Disclosing Party's prior written consent.\n"
                    "(b) The Receiving Party may disclose Confidential Information to those of its employees, affiliates and "
                    "professional advisers who need to know it for the performance of this Contract, provided that they are "
                    "bound by confidentiality obligations no less protective than this Article. The Receiving Party is "
                    "responsible for any breach of such obligations by them.\n"
                    "(c) Confidential Information does not include information that (i) is or becomes publicly known other "
                    "than through a breach by the Receiving Party; (ii) was lawfully known to the Receiving Party before "
                    "disclosure free of any duty of confidentiality; (iii) is lawfully obtained by the Receiving Party from a "
                    "third party entitled to disclose it free of any duty of confidentiality; or (iv) is independently "
                    "developed by the Receiving Party without use of Confidential Information.\n"
                    "(d) The Receiving Party may disclose Confidential Information to the extent required by law, regulation "
                    "or an order of a judicial or administrative authority, provided that, where lawful, it gives the "
                    "Disclosing Party prior notice.\n"
                    "(e) On termination of this Contract or at the Disclosing Party's written request, the Receiving Party "
                    "shall return or destroy all Confidential Information and any media containing it, save as required to "
                    "be retained by law.\n"
                    "(f) The obligations under this Article continue during the term of this Contract and for five (5) years "
                    "after its termination and, for any information that is a trade secret, for as long as that information "
                    "remains a trade secret under applicable law."
                ),
            },
        ],
    },
    # --- limitation of liability ------------------------------------------------------------------------------
    {
        "key": "liability_cap",
        "language": "zh-hans",
        "category": "liability",
        "title": "责任限制",
        "text": (
            "1. 除本条第3款另有约定外，任何一方在本合同项下或者与本合同有关的全部赔偿责任总额，"
            "以本合同总价款（即{{ contract.currency_name }} {{ contract.amount }}）的百分之一百（100%）为限。\n"
            "2. 任何一方均不对另一方的间接损失、可得利益损失、商誉损失、数据丢失或者业务中断损失承担赔偿责任。\n"
            "3. 上述责任限制不适用于：（1）甲方支付本合同项下价款的义务；（2）一方违反保密义务或者侵犯另一方知识产权的责任；"
            "（3）因一方故意或者重大过失造成另一方财产损失的责任；（4）造成人身损害的责任。"
        ),
        "alternatives": [
            {
                "label": "责任上限提高至合同总价款的 200%",
                "text": (
                    "1. 除本条第3款另有约定外，任何一方在本合同项下或者与本合同有关的全部赔偿责任总额，"
                    "以本合同总价款（即{{ contract.currency_name }} {{ contract.amount }}）的百分之二百（200%）为限。\n"
                    "2. 任何一方均不对另一方的间接损失、可得利益损失、商誉损失、数据丢失或者业务中断损失承担赔偿责任。\n"
                    "3. 上述责任限制不适用于：（1）甲方支付本合同项下价款的义务；（2）一方违反保密义务或者侵犯另一方知识产权的责任；"
                    "（3）因一方故意或者重大过失造成另一方财产损失的责任；（4）造成人身损害的责任。"
                ),
            },
            {
                "label": "以索赔前十二（12）个月甲方已付金额为限（服务类合同）",
                "text": (
                    "1. 除本条第3款另有约定外，任何一方在本合同项下或者与本合同有关的全部赔偿责任总额，"
                    "以引起索赔的事件发生前十二（12）个月内甲方依本合同已向乙方支付的金额为限。\n"
                    "2. 任何一方均不对另一方的间接损失、可得利益损失、商誉损失、数据丢失或者业务中断损失承担赔偿责任。\n"
                    "3. 上述责任限制不适用于：（1）甲方支付本合同项下价款的义务；（2）一方违反保密义务或者侵犯另一方知识产权的责任；"
                    "（3）因一方故意或者重大过失造成另一方财产损失的责任；（4）造成人身损害的责任。"
                ),
            },
        ],
    },
    {
        "key": "liability_cap",
        "language": "en",
        "category": "liability",
        "title": "Limitation of Liability",
        "text": (
            "(a) Save as provided in paragraph (c), the total liability of either Party under or in connection with this "
            "Contract shall not exceed one hundred per cent (100%) of the total Contract Price ({{ contract.currency }} "
            "{{ contract.amount }}).\n"
            "(b) Neither Party shall be liable to the other Party for any indirect loss, loss of profit, loss of goodwill, "
            "loss of data or business interruption.\n"
            "(c) The limitations in this Article do not apply to (i) Party A's obligation to pay the Contract Price; "
            "(ii) liability for breach of confidentiality or infringement of the other Party's intellectual property "
            "rights; (iii) liability for damage to the other Party's property caused intentionally or by gross negligence; "
            "or (iv) liability for personal injury."
        ),
        "alternatives": [
            {
                "label": "Cap raised to 200% of the Contract Price",
                "text": (
                    "(a) Save as provided in paragraph (c), the total liability of either Party under or in connection with "
                    "this Contract shall not exceed two hundred per cent (200%) of the total Contract Price "
                    "({{ contract.currency }} {{ contract.amount }}).\n"
                    "(b) Neither Party shall be liable to the other Party for any indirect loss, loss of profit, loss of "
                    "goodwill, loss of data or business interruption.\n"
                    "(c) The limitations in this Article do not apply to (i) Party A's obligation to pay the Contract Price; "
                    "(ii) liability for breach of confidentiality or infringement of the other Party's intellectual property "
                    "rights; (iii) liability for damage to the other Party's property caused intentionally or by gross "
                    "negligence; or (iv) liability for personal injury."
                ),
            },
            {
                "label": "Cap at fees paid in the preceding twelve (12) months (services)",
                "text": (
                    "(a) Save as provided in paragraph (c), the total liability of either Party under or in connection with "
                    "this Contract shall not exceed the amounts paid by Party A to Party B under this Contract in the twelve "
                    "(12) months preceding the event giving rise to the claim.\n"
                    "(b) Neither Party shall be liable to the other Party for any indirect loss, loss of profit, loss of "
                    "goodwill, loss of data or business interruption.\n"
                    "(c) The limitations in this Article do not apply to (i) Party A's obligation to pay the Contract Price; "
                    "(ii) liability for breach of confidentiality or infringement of the other Party's intellectual property "
                    "rights; (iii) liability for damage to the other Party's property caused intentionally or by gross "
                    "negligence; or (iv) liability for personal injury."
                ),
            },
        ],
    },
    # --- termination ------------------------------------------------------------------------------------------
    {
        "key": "termination",
        "language": "zh-hans",
        "category": "termination",
        "title": "合同的解除",
        "text": (
            "1. 有下列情形之一的，守约方有权书面通知另一方解除本合同，本合同自解除通知到达另一方时解除：（1）一方严重违反本合同约定，"
            "经守约方书面催告后三十（30）日内仍未纠正的；（2）一方进入破产、解散或者清算程序，或者明显丧失履约能力的；"
            "（3）法律规定的其他情形。\n"
            "2. 因不可抗力致使不能实现合同目的的，任何一方均有权书面通知另一方解除本合同。\n"
            "3. 本合同解除或者终止后，双方应就已履行部分进行结算：甲方应支付已交付并经验收合格的产品或者已提供的服务的相应价款，"
            "乙方应退还甲方已预付但尚未履行部分的款项。\n"
            "4. 本合同的解除或者终止，不影响守约方要求违约方承担违约责任的权利，"
            "亦不影响本合同中有关结算、保密、责任限制、法律适用和争议解决条款的效力。"
        ),
        "alternatives": [
            {
                "label": "纠正期缩短为十五（15）日",
                "text": (
                    "1. 有下列情形之一的，守约方有权书面通知另一方解除本合同，本合同自解除通知到达另一方时解除：（1）一方严重违反本合同约定，"
                    "经守约方书面催告后十五（15）日内仍未纠正的；（2）一方进入破产、解散或者清算程序，或者明显丧失履约能力的；"
                    "（3）法律规定的其他情形。\n"
                    "2. 因不可抗力致使不能实现合同目的的，任何一方均有权书面通知另一方解除本合同。\n"
                    "3. 本合同解除或者终止后，双方应就已履行部分进行结算：甲方应支付已交付并经验收合格的产品或者已提供的服务的相应价款，"
                    "乙方应退还甲方已预付但尚未履行部分的款项。\n"
                    "4. 本合同的解除或者终止，不影响守约方要求违约方承担违约责任的权利，"
                    "亦不影响本合同中有关结算、保密、责任限制、法律适用和争议解决条款的效力。"
                ),
            },
            {
                "label": "甲方可提前六十（60）日通知无理由解除",
                "text": (
                    "1. 有下列情形之一的，守约方有权书面通知另一方解除本合同，本合同自解除通知到达另一方时解除：（1）一方严重违反本合同约定，"
                    "经守约方书面催告后三十（30）日内仍未纠正的；（2）一方进入破产、解散或者清算程序，或者明显丧失履约能力的；"
                    "（3）法律规定的其他情形。\n"
                    "2. 甲方可以提前六十（60）日书面通知乙方解除本合同，无需说明理由；"
                    "甲方应支付截至解除之日乙方已交付的产品或者已提供的服务的价款，以及乙方为履行本合同已发生且无法撤销的合理费用。\n"
                    "3. 因不可抗力致使不能实现合同目的的，任何一方均有权书面通知另一方解除本合同。\n"
                    "4. 本合同解除或者终止后，双方应就已履行部分进行结算。本合同的解除或者终止，不影响守约方要求违约方承担违约责任的权利，"
                    "亦不影响本合同中有关结算、保密、责任限制、法律适用和争议解决条款的效力。"
                ),
            },
        ],
    },
    {
        "key": "termination",
        "language": "en",
        "category": "termination",
        "title": "Termination",
        "text": (
            "(a) Either Party may terminate this Contract with effect from the date its written notice of termination "
            "reaches the other Party if (i) the other Party commits a material breach of this Contract and fails to remedy "
            "it within thirty (30) days after receipt of a written notice requiring it to do so; (ii) the other Party "
            "becomes subject to bankruptcy, dissolution or liquidation proceedings, or is manifestly unable to perform; or "
            "(iii) any other circumstance provided by law occurs.\n"
            "(b) Either Party may terminate this Contract by written notice if force majeure makes it impossible to "
            "achieve the purpose of this Contract.\n"
            "(c) On termination or expiry, the Parties shall settle accounts for performance rendered: Party A shall pay "
            "for the products delivered and accepted and the services provided, and Party B shall refund any amounts paid "
            "in advance for obligations not performed.\n"
            "(d) Termination or expiry does not affect the right of the non-breaching Party to claim for breach of "
            "contract, nor the provisions of this Contract on settlement, confidentiality, limitation of liability, "
            "governing law and dispute resolution."
        ),
        "alternatives": [
            {
                "label": "Cure period of fifteen (15) days",
                "text": (
                    "(a) Either Party may terminate this Contract with effect from the date its written notice of "
                    "termination reaches the other Party if (i) the other Party commits a material breach of this Contract "
                    "and fails to remedy it within fifteen (15) days after receipt of a written notice requiring it to do "
                    "so; (ii) the other Party becomes subject to bankruptcy, dissolution or liquidation proceedings, or is "
                    "manifestly unable to perform; or (iii) any other circumstance provided by law occurs.\n"
                    "(b) Either Party may terminate this Contract by written notice if force majeure makes it impossible to "
                    "achieve the purpose of this Contract.\n"
                    "(c) On termination or expiry, the Parties shall settle accounts for performance rendered: Party A shall "
                    "pay for the products delivered and accepted and the services provided, and Party B shall refund any "
                    "amounts paid in advance for obligations not performed.\n"
                    "(d) Termination or expiry does not affect the right of the non-breaching Party to claim for breach of "
                    "contract, nor the provisions of this Contract on settlement, confidentiality, limitation of liability, "
                    "governing law and dispute resolution."
                ),
            },
            {
                "label": "Termination for convenience by Party A on sixty (60) days' notice",
                "text": (
                    "(a) Either Party may terminate this Contract with effect from the date its written notice of "
                    "termination reaches the other Party if (i) the other Party commits a material breach of this Contract "
                    "and fails to remedy it within thirty (30) days after receipt of a written notice requiring it to do "
                    "so; (ii) the other Party becomes subject to bankruptcy, dissolution or liquidation proceedings, or is "
                    "manifestly unable to perform; or (iii) any other circumstance provided by law occurs.\n"
                    "(b) Party A may terminate this Contract without cause by giving Party B not less than sixty (60) days' "
                    "written notice. Party A shall pay for the products delivered and the services provided up to the date "
                    "of termination and for the reasonable, non-cancellable costs incurred by Party B in performing this "
                    "Contract.\n"
                    "(c) Either Party may terminate this Contract by written notice if force majeure makes it impossible to "
                    "achieve the purpose of this Contract.\n"
                    "(d) On termination or expiry, the Parties shall settle accounts for performance rendered. Termination "
                    "or expiry does not affect the right of the non-breaching Party to claim for breach of contract, nor the "
                    "provisions of this Contract on settlement, confidentiality, limitation of liability, governing law and "
                    "dispute resolution."
                ),
            },
        ],
    },
    # --- dispute resolution -----------------------------------------------------------------------------------
    {
        "key": "disputes",
        "language": "zh-hans",
        "category": "disputes",
        "title": "争议解决",
        "text": (
            "1. 因本合同引起的或者与本合同有关的任何争议，双方应首先通过友好协商解决；自一方书面提出协商之日起三十（30）日内协商不成的，"
            "任何一方均可将争议提交上海国际经济贸易仲裁委员会（上海国际仲裁中心），按照申请仲裁时该会现行有效的仲裁规则在上海进行仲裁。"
            "仲裁裁决是终局的，对双方均有约束力。\n"
            "2. 争议解决期间，除争议事项外，双方应继续履行本合同的其他条款。"
        ),
        "alternatives": [
            {
                "label": "中国国际经济贸易仲裁委员会（北京）仲裁",
                "text": (
                    "1. 因本合同引起的或者与本合同有关的任何争议，双方应首先通过友好协商解决；自一方书面提出协商之日起三十（30）日内协商不成的，"
                    "任何一方均可将争议提交中国国际经济贸易仲裁委员会，按照申请仲裁时该会现行有效的仲裁规则在北京进行仲裁。"
                    "仲裁裁决是终局的，对双方均有约束力。\n"
                    "2. 争议解决期间，除争议事项外，双方应继续履行本合同的其他条款。"
                ),
            },
            {
                "label": "由被告住所地人民法院管辖",
                "text": (
                    "1. 因本合同引起的或者与本合同有关的任何争议，双方应首先通过友好协商解决；自一方书面提出协商之日起三十（30）日内协商不成的，"
                    "任何一方均可向被告住所地有管辖权的人民法院提起诉讼。\n"
                    "2. 争议解决期间，除争议事项外，双方应继续履行本合同的其他条款。"
                ),
            },
        ],
    },
    {
        "key": "disputes",
        "language": "en",
        "category": "disputes",
        "title": "Dispute Resolution",
        "text": (
            "(a) The Parties shall first seek to resolve any dispute arising out of or in connection with this Contract by "
            "friendly negotiation. If the dispute is not resolved within thirty (30) days after one Party has requested "
            "negotiation in writing, either Party may submit it to the Shanghai International Economic and Trade "
            "Arbitration Commission (Shanghai International Arbitration Center) for arbitration in Shanghai in accordance "
            "with its arbitration rules in effect at the time of applying for arbitration. The arbitral award is final and "
            "binding upon both Parties.\n"
            "(b) While a dispute is being resolved, the Parties shall continue to perform the provisions of this Contract "
            "that are not in dispute."
        ),
        "alternatives": [
            {
                "label": "CIETAC arbitration in Beijing",
                "text": (
                    "(a) The Parties shall first seek to resolve any dispute arising out of or in connection with this "
                    "Contract by friendly negotiation. If the dispute is not resolved within thirty (30) days after one Party "
                    "has requested negotiation in writing, either Party may submit it to the China International Economic and "
                    "Trade Arbitration Commission (CIETAC) for arbitration in Beijing in accordance with its arbitration rules "
                    "in effect at the time of applying for arbitration. The arbitral award is final and binding upon both "
                    "Parties.\n"
                    "(b) While a dispute is being resolved, the Parties shall continue to perform the provisions of this "
                    "Contract that are not in dispute."
                ),
            },
            {
                "label": "Courts of the defendant's domicile",
                "text": (
                    "(a) The Parties shall first seek to resolve any dispute arising out of or in connection with this "
                    "Contract by friendly negotiation. If the dispute is not resolved within thirty (30) days after one Party "
                    "has requested negotiation in writing, either Party may bring proceedings before the competent people's "
                    "court of the place where the defendant is domiciled.\n"
                    "(b) While a dispute is being resolved, the Parties shall continue to perform the provisions of this "
                    "Contract that are not in dispute."
                ),
            },
        ],
    },
    # --- governing law ----------------------------------------------------------------------------------------
    {
        "key": "governing_law",
        "language": "zh-hans",
        "category": "governing_law",
        "title": "法律适用",
        "text": (
            "本合同的订立、效力、解释、履行、变更、终止及争议解决，均适用中华人民共和国法律"
            "（为本合同之目的，不包括香港特别行政区、澳门特别行政区和台湾地区的法律）。"
        ),
        "alternatives": [
            {
                "label": "适用中国法律并排除《联合国国际货物销售合同公约》（涉外合同）",
                "text": (
                    "本合同的订立、效力、解释、履行、变更、终止及争议解决，均适用中华人民共和国法律"
                    "（为本合同之目的，不包括香港特别行政区、澳门特别行政区和台湾地区的法律）。"
                    "双方同意排除《联合国国际货物销售合同公约》对本合同的适用。"
                ),
            },
        ],
    },
    {
        "key": "governing_law",
        "language": "en",
        "category": "governing_law",
        "title": "Governing Law",
        "text": (
            "The conclusion, validity, interpretation, performance, amendment and termination of this Contract and the "
            "resolution of disputes under it shall be governed by the laws of the People's Republic of China (for the "
            "purpose of this Contract, excluding the laws of the Hong Kong Special Administrative Region, the Macao Special "
            "Administrative Region and Taiwan)."
        ),
        "alternatives": [
            {
                "label": "PRC law, excluding the CISG (cross-border contracts)",
                "text": (
                    "The conclusion, validity, interpretation, performance, amendment and termination of this Contract and "
                    "the resolution of disputes under it shall be governed by the laws of the People's Republic of China "
                    "(for the purpose of this Contract, excluding the laws of the Hong Kong Special Administrative Region, "
                    "the Macao Special Administrative Region and Taiwan). The application of the United Nations Convention on "
                    "Contracts for the International Sale of Goods is excluded."
                ),
            },
        ],
    },
    # --- service levels ---------------------------------------------------------------------------------------
    {
        "key": "service_level",
        "language": "zh-hans",
        "category": "service",
        "title": "服务水平",
        "text": (
            "1. 乙方应按照本合同约定的服务内容、标准和期限提供服务，并指定一名项目负责人作为与甲方的日常联络人。\n"
            "2. 乙方的标准服务时间为工作日 9:00 至 18:00；对于一级故障，乙方提供 7×24 小时响应。\n"
            "3. 乙方对甲方报告的问题按下列时限响应和处理：（1）一级（系统不可用或者核心业务中断）：30 分钟内响应，"
            "4 小时内恢复服务或者提供有效的临时解决方案；（2）二级（主要功能受到影响，但有替代方案）：2 小时内响应，"
            "1 个工作日内解决；（3）三级（一般问题或者咨询）：1 个工作日内响应，5 个工作日内解决。\n"
            "4. 乙方提供的在线服务（如有）每月可用率应不低于 99.5%。经乙方提前四十八（48）小时通知的计划内维护，"
            "以及因甲方原因或者不可抗力导致的中断，不计入不可用时间。\n"
            "5. 某月可用率低于 99.5% 但不低于 99.0% 的，乙方按当月服务费的 5% 向甲方提供服务费抵扣；低于 99.0% 但不低于 95.0% 的，"
            "抵扣 10%；低于 95.0% 的，抵扣 20%。该服务费抵扣为甲方就可用率未达标所享有的全部救济。"
        ),
        "alternatives": [
            {
                "label": "可用率承诺提高至 99.9%",
                "text": (
                    "1. 乙方应按照本合同约定的服务内容、标准和期限提供服务，并指定一名项目负责人作为与甲方的日常联络人。\n"
                    "2. 乙方的标准服务时间为工作日 9:00 至 18:00；对于一级故障，乙方提供 7×24 小时响应。\n"
                    "3. 乙方对甲方报告的问题按下列时限响应和处理：（1）一级（系统不可用或者核心业务中断）：30 分钟内响应，"
                    "4 小时内恢复服务或者提供有效的临时解决方案；（2）二级（主要功能受到影响，但有替代方案）：2 小时内响应，"
                    "1 个工作日内解决；（3）三级（一般问题或者咨询）：1 个工作日内响应，5 个工作日内解决。\n"
                    "4. 乙方提供的在线服务（如有）每月可用率应不低于 99.9%。经乙方提前四十八（48）小时通知的计划内维护，"
                    "以及因甲方原因或者不可抗力导致的中断，不计入不可用时间。\n"
                    "5. 某月可用率低于 99.9% 但不低于 99.5% 的，乙方按当月服务费的 5% 向甲方提供服务费抵扣；低于 99.5% 但不低于 99.0% 的，"
                    "抵扣 10%；低于 99.0% 的，抵扣 25%。该服务费抵扣为甲方就可用率未达标所享有的全部救济。"
                ),
            },
        ],
    },
    {
        "key": "service_level",
        "language": "en",
        "category": "service",
        "title": "Service Levels",
        "text": (
            "(a) Party B shall provide the services in accordance with the scope, standards and timetable agreed in this "
            "Contract and shall appoint a project manager as Party A's day-to-day contact.\n"
            "(b) Party B's standard support hours are 9:00 to 18:00 on business days; Severity 1 incidents are responded "
            "to 24 hours a day, 7 days a week.\n"
            "(c) Party B shall respond to and resolve incidents reported by Party A within the following times: "
            "(i) Severity 1 (service unavailable or core business interrupted): response within 30 minutes, restoration "
            "or an effective workaround within 4 hours; (ii) Severity 2 (major function affected, workaround available): "
            "response within 2 hours, resolution within 1 business day; (iii) Severity 3 (minor issue or enquiry): "
            "response within 1 business day, resolution within 5 business days.\n"
            "(d) Monthly availability of any online service provided by Party B shall be at least 99.5%. Scheduled "
            "maintenance notified by Party B at least forty-eight (48) hours in advance, and interruptions caused by "
            "Party A or by force majeure, do not count as unavailability.\n"
            "(e) If availability in a month is below 99.5% but not below 99.0%, Party B shall credit Party A with 5% of "
            "the fees for that month; below 99.0% but not below 95.0%, 10%; below 95.0%, 20%. Service credits are Party "
            "A's sole remedy for failure to meet the availability commitment."
        ),
        "alternatives": [
            {
                "label": "Availability commitment of 99.9%",
                "text": (
                    "(a) Party B shall provide the services in accordance with the scope, standards and timetable agreed in "
                    "this Contract and shall appoint a project manager as Party A's day-to-day contact.\n"
                    "(b) Party B's standard support hours are 9:00 to 18:00 on business days; Severity 1 incidents are "
                    "responded to 24 hours a day, 7 days a week.\n"
                    "(c) Party B shall respond to and resolve incidents reported by Party A within the following times: "
                    "(i) Severity 1 (service unavailable or core business interrupted): response within 30 minutes, "
                    "restoration or an effective workaround within 4 hours; (ii) Severity 2 (major function affected, "
                    "workaround available): response within 2 hours, resolution within 1 business day; (iii) Severity 3 "
                    "(minor issue or enquiry): response within 1 business day, resolution within 5 business days.\n"
                    "(d) Monthly availability of any online service provided by Party B shall be at least 99.9%. Scheduled "
                    "maintenance notified by Party B at least forty-eight (48) hours in advance, and interruptions caused by "
                    "Party A or by force majeure, do not count as unavailability.\n"
                    "(e) If availability in a month is below 99.9% but not below 99.5%, Party B shall credit Party A with 5% "
                    "of the fees for that month; below 99.5% but not below 99.0%, 10%; below 99.0%, 25%. Service credits are "
                    "Party A's sole remedy for failure to meet the availability commitment."
                ),
            },
        ],
    },
]

CLAUSE_KEYS: list[str] = list(dict.fromkeys(clause["key"] for clause in CLAUSES))
