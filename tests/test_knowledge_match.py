"""Matching on small hand-made documents: synonyms, regions, the three outcomes, index persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.analyzer import Analyzer, fold
from knowledge.index import ClauseIndex
from knowledge.match import ANSWER, NOT_FOUND, Matcher, key_sentences
from knowledge.model import Clause, Document


def _document(doc_id: str, region: str, texts: list[tuple[str, str]], kind: str = "policy") -> Document:
    clauses = tuple(
        Clause(doc_id, number, f"{number + 1}.", heading, text, departments=("市营商环境建设局",))
        for number, (heading, text) in enumerate(texts)
    )
    return Document(doc_id, f"{region}优化营商环境方案", "办公厅", "2021-04-02", region, f"{doc_id}.txt", clauses, kind)


DOCUMENTS = [
    _document("cc", "长春市", [
        ("压缩企业开办时间", "压缩企业开办时间。企业开办全流程压缩至1个工作日以内，免费刻制印章。"),
        ("提升办电效率", "提升办电效率。低压小微企业办电时间压减至10个工作日，实行“三零”服务。"),
        ("推行不动产登记全程网办", "推行不动产登记全程网办。商品房转移登记、抵押登记等事项全程网办。"),
        ("优化纳税服务", "优化纳税服务。推行办税缴费“非接触式”办理，纳税人全年纳税时间压缩至100小时以内。"),
    ]),
    _document("ly", "辽源市", [
        ("提升办电效率", "提升办电效率。低压小微企业办电时间压减至5个工作日，高压用户办电时间压减至30个工作日。"),
        ("保障中小企业款项支付", "大型企业不得利用优势地位拖欠中小企业账款，拖欠的依法处理。"),
    ]),
    _document("law", "全国", [
        ("第十四条", "机关、事业单位从中小企业采购货物、工程、服务，应当自货物、工程、服务交付之日起30日内支付款项。"),
        ("第十五条", "国家加强知识产权保护，依法严厉打击侵犯知识产权的违法行为。"),
    ], kind="law"),
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def matcher(analyzer: Analyzer) -> Matcher:
    clauses = [clause for document in DOCUMENTS for clause in document.clauses]
    index = ClauseIndex.build(analyzer.analyze(c.heading + c.text).terms for c in clauses)
    owner = np.repeat(np.arange(len(DOCUMENTS), dtype=np.int32), [len(d.clauses) for d in DOCUMENTS])
    return Matcher(analyzer, index, clauses, DOCUMENTS, owner)


def test_domain_terms_stay_whole_and_synonyms_add_the_canonical_word(analyzer: Analyzer) -> None:
    words = analyzer.analyze("拿地即开工和一网通办、信易贷怎么申请").words
    assert {"拿地即开工", "一网通办", "信易贷"} <= set(words)
    assert "企业开办" in analyzer.analyze("想开个公司").words
    assert "办电" in analyzer.analyze("厂里接电要多久").words
    assert "不动产权证书" in analyzer.analyze("房产证怎么办").words


def test_question_words_make_no_bigrams(analyzer: Analyzer) -> None:
    bigrams = analyzer.analyze("办电要多少天").bigrams
    assert "办电" in bigrams and "多少" not in bigrams


def test_regions_named(analyzer: Analyzer) -> None:
    assert analyzer.regions_named("滨海新区和长春新区有什么不同") == ["滨海新区", "长春新区"]
    assert analyzer.regions_named("北京的物业条例") == ["北京市"]
    assert analyzer.regions_named("国家有啥支持") == ["全国"]
    assert analyzer.regions_named("评上国家高企，长春给奖励不") == ["长春市"]  # a title the enterprise holds
    assert analyzer.regions_named("想申请国家专精特新小巨人") == []
    assert analyzer.region_chain("朝阳区") == ["朝阳区", "长春市", "吉林省"]


def test_every_province_and_city_is_a_place(analyzer: Analyzer) -> None:
    assert analyzer.regions_named("成都的人才落户条件是啥") == ["成都市"]
    assert analyzer.regions_named("四平有没有厂房租金补贴") == ["四平市"]
    assert analyzer.regions_named("吉林市的稳岗补贴跟长春一样吗") == ["吉林市", "长春市"]  # not 吉林省
    assert analyzer.region_chain("农安县") == ["农安县", "长春市", "吉林省"]
    assert analyzer.region_chain("浑南区") == ["浑南区", "沈阳市", "辽宁省"]
    assert analyzer.regions_named("沈阳浑南区政务服务中心周六开门不") == ["沈阳市", "浑南区"]
    # a short name that is an everyday word, or a place inside a district of ours, names no city
    for text in ("大同小异的两份材料", "在阿里巴巴开网店", "朝阳区乐山镇改厕", "四川的企业", "三明治店办证"):
        assert "大同市" not in analyzer.regions_named(text) and "阿里地区" not in analyzer.regions_named(text)
        assert "乐山市" not in analyzer.regions_named(text) and "三明市" not in analyzer.regions_named(text)


def test_fold_removes_quotes_space_and_width() -> None:
    assert fold("“三零” 服务，ＡＢＣ１２３") == "三零服务,abc123"


def test_colloquial_question_finds_the_clause_through_synonyms(matcher: Matcher) -> None:
    answer = matcher.search("开个公司要几天能办下来？", scope="长春市")
    assert answer.matches[0].clause.heading == "压缩企业开办时间"


def test_a_named_region_wins_over_the_same_measure_elsewhere(matcher: Matcher) -> None:
    liaoyuan = matcher.search("辽源小微企业接电要多少天")
    changchun = matcher.search("长春小微企业通电要几个工作日")
    assert liaoyuan.matches[0].document.region == "辽源市"
    assert changchun.matches[0].document.region == "长春市"
    assert liaoyuan.regions == ["辽源市"]


def test_the_chat_scope_tips_the_balance(matcher: Matcher) -> None:
    assert matcher.search("小微企业办电时间", scope="辽源市").matches[0].document.region == "辽源市"
    assert matcher.search("小微企业办电时间", scope="长春市").matches[0].document.region == "长春市"


def test_national_law_answers_everywhere(matcher: Matcher) -> None:
    answer = matcher.search("长春的机关采购我们中小企业的东西，多少天内得付钱？")
    assert answer.matches[0].document.doc_id == "law"
    assert "30日内" in answer.matches[0].clause.text


def test_a_place_no_document_binds_is_answered_from_national_law_only(matcher: Matcher) -> None:
    answer = matcher.search("成都小微企业采购款多少天内得付")
    assert answer.unserved == ["成都市"] and answer.regions == ["成都市"]
    assert answer.matches and all(m.document.region == "全国" for m in answer.matches)
    assert answer.outcome != ANSWER  # offered to choose from, not asserted: national law seldom settles local practice
    assert matcher.search("长春小微企业采购款多少天内得付").unserved == []
    assert matcher.search("农安县小微企业采购款多少天内得付").unserved == []  # a county of 长春: 长春's plans bind it


def test_chit_chat_is_not_answered(matcher: Matcher) -> None:
    for question in ("今天天气怎么样", "讲个笑话吧", "红烧肉怎么做好吃", "股票明天会涨吗"):
        assert matcher.search(question).outcome != ANSWER, question


def test_nothing_in_common_is_not_found(matcher: Matcher) -> None:
    assert matcher.search("护照过期了去哪里换").outcome == NOT_FOUND


def test_declined_chit_chat_is_marked_as_small_talk(matcher: Matcher) -> None:
    assert matcher.search("讲个笑话吧").small_talk and matcher.search("收到，谢谢").small_talk
    assert not matcher.search("护照过期了去哪里换").small_talk  # a question, if not one the documents answer
    assert not matcher.search("长春开办企业要几天，收到回复请告知").small_talk  # a chit-chat word in a policy question


def test_an_ambiguous_question_offers_choices(matcher: Matcher) -> None:
    answer = matcher.search("办电时间压减")
    assert answer.outcome != ANSWER
    assert {m.document.region for m in answer.matches[:2]} == {"长春市", "辽源市"}


def test_related_excludes_itself(matcher: Matcher) -> None:
    related = matcher.related(1)
    assert related and all(m.clause.key != "cc#1" for m in related)
    assert related[0].clause.key == "ly#0"


def test_key_sentences_pick_what_was_asked(analyzer: Analyzer) -> None:
    clause = Clause("x", 0, "1.", "优化纳税服务", "优化纳税服务。推行办税缴费非接触式办理。纳税人全年纳税时间压缩至100小时以内。")
    assert key_sentences(analyzer, clause, "一年报税要花多少小时", limit=1) == ["纳税人全年纳税时间压缩至100小时以内。"]


def test_index_survives_save_and_load(tmp_path: Path, analyzer: Analyzer) -> None:
    terms = [analyzer.analyze(text).terms for text in ("企业开办一个工作日", "办电十个工作日", "纳税时间压缩")]
    index = ClauseIndex.build(terms)
    index.save(tmp_path / "index")
    loaded = ClauseIndex.load(tmp_path / "index")
    query = [(loaded.lookup("办电"), 1.0)]
    assert loaded.size == 3
    assert np.argmax(loaded.score(query)) == 1
    assert np.allclose(loaded.score(query), index.score([(index.lookup("办电"), 1.0)]))


def test_an_older_version_of_a_regulation_is_not_answered_from(analyzer: Analyzer) -> None:
    def version(doc_id: str, date: str, days: str) -> Document:
        clause = Clause(doc_id, 0, "第十条", "第二章", f"企业应当在{days}日内办理变更登记。")
        return Document(doc_id, "某市企业登记条例", "某市人大常委会", date, "长春市", f"{doc_id}.md", (clause,), "law")

    documents = [version("old", "2004-05-01", "三十"), version("new", "2022-03-01", "十五")]
    clauses = [d.clauses[0] for d in documents]
    index = ClauseIndex.build(analyzer.analyze(c.text).terms for c in clauses)
    matcher = Matcher(analyzer, index, clauses, documents, np.arange(2, dtype=np.int32))
    assert [m.document.doc_id for m in matcher.search("长春企业变更登记要多少天内办").matches] == ["new"]


# -- what the decision and the ranking read beyond word overlap ----------------------------------------------


@pytest.mark.parametrize(
    ("question", "clause", "unstated"),
    [
        ("供水扩容要交多少钱", "供水新增、扩容改装办理时间压缩20%。", 1.0),  # a share of time is no sum of money
        ("刻章要交多少钱", "企业开办免费刻制印章。", 0.0),
        ("专利申请费能减免多少", "对中小企业的专利申请费减收85%，最高3000元。", 0.0),
        ("增值税税率是多少", "推行办税缴费非接触式办理。", 1.0),
        ("开公司要几天", "企业开办全流程压缩至1个工作日以内。", 0.0),
        ("开公司要几天", "各地区应当确定并公开企业开办的具体时限。", 0.0),  # a clause on time limits answers how long
        ("区域评估一般要花多长时间", "推行区域评估，由政府组织对一定区域内的事项进行统一评估。", 1.0),
        ("开公司要准备啥材料", "推行区域评估。", 0.0),  # asks for no figure at all
        ("创业担保贷款贴息比例多少", "落实创业担保贷款政策，扩大贷款覆盖面。", 1.0),
        ("贴息比例是多少", "按贷款市场报价利率的50%给予贴息。", 0.0),
        ("企业所得税汇算清缴截止是几号", "对企业所得税汇算清缴退税实行自动推送提醒。", 1.0),  # a date
        ("乐山镇的屯子啥时候改造", "2024年底前完成乐山镇12个屯的改造。", 0.0),
        ("信用修复服务电话是多少", "加强社会信用体系建设，推进信用修复。", 1.0),  # a number to call
        ("投诉热线是多少", "畅通12345政务服务便民热线。", 0.0),
        ("信用修复服务电话是多少", "设立信用修复服务电话，提供专业指导。", 1.0),  # names a phone line, gives no number
        ("评专精特新要啥条件", "对专精特新企业给予奖励。", 1.0),  # the criteria
        ("高企认定要啥条件", "对符合条件的高新技术企业给予支持。", 0.0),
    ],
)
def test_a_question_asking_a_figure_the_clause_does_not_state(question: str, clause: str, unstated: float) -> None:
    from knowledge.features import unstated_quantity

    assert unstated_quantity(fold(question), clause) == unstated


def test_a_clause_that_states_the_asked_figure_ranks_first(matcher: Matcher) -> None:
    # Both 长春 clauses on 企业开办/办电 share words with the question; the one that states a time comes first
    # for "几天", and the answer quotes it.
    answer = matcher.search("长春办电几天能办完")
    assert answer.matches[0].clause.heading == "提升办电效率"
    assert answer.matches[0].document.region == "长春市"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("收到，马上转给财务", "收到"),
        ("哈哈哈哈", "哈哈"),
        ("明天长春下雨吗", "下雨"),
        ("朝阳区信用好的企业是不是查得少", None),  # 好的 inside 信用好的
        ("朝阳区今年会出台惠企政策吗", None),  # 年会 inside 今年会
        ("我们公司年会抽奖怎么设计", "年会"),
    ],
)
def test_chitchat_words_count_only_as_whole_words(analyzer: Analyzer, text: str, word: str | None) -> None:
    assert analyzer.chitchat_word(text) == word


def test_document_cover_measures_the_whole_document(matcher: Matcher) -> None:
    from knowledge.features import COLUMN

    ranked = matcher.rank("大企业拖欠账款，办电能快点吗")
    cover: dict[str, set[float]] = {}
    for candidate, row in zip(ranked.candidates, ranked.features):
        region = matcher.documents[int(matcher.clause_document[int(candidate)])].region
        cover.setdefault(region, set()).add(round(float(row[COLUMN["document_cover"]]), 4))
    # one value per document, whichever of its clauses; 辽源's plan has both 拖欠 and 办电, 长春's only 办电
    assert len(cover["辽源市"]) == 1 and len(cover["长春市"]) == 1
    assert cover["辽源市"].pop() > cover["长春市"].pop() > 0


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("您好，请问开办企业要几天", "开办企业要几天"),
        ("@政企通 在吗？长春办电要多久", "长春办电要多久"),
        ("hi, 开办企业要几天", "开办企业要几天"),
        ("history of 长春", "history of 长春"),  # hi only as a word
        ("你好", "你好"),  # a greeting alone stays: it is chit-chat, not an empty question
    ],
)
def test_a_greeting_before_the_question_is_dropped(message: str, question: str) -> None:
    assert Analyzer.clean_question(message) == question


def test_a_greeting_alone_is_small_talk_and_a_greeted_question_is_answered_alike(matcher: Matcher) -> None:
    assert matcher.search("你好").small_talk and matcher.search("@政企通 在吗").small_talk
    plain, greeted = matcher.search("长春办电几天能办完"), matcher.search("你好，请问长春办电几天能办完")
    assert greeted.outcome == plain.outcome and greeted.confidence == plain.confidence
    assert greeted.matches[0].clause.key == plain.matches[0].clause.key
