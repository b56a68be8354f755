"""Document metadata: title, issuer, date, region, kind and a stable id; and where the body starts and ends."""

from __future__ import annotations

import hashlib
import re

from knowledge.ingest.numbering import find_marker
from knowledge.ingest.repair import Paragraph
from knowledge.ingest.text import CJK, DATE_LINE, ORGAN_SUFFIX, TITLE_SUFFIX
from knowledge.places import NATIONAL, Places

_FILE_DATE = re.compile(r"\s*[（(](\d{4})-(\d{1,2})(?:-(\d{1,2}))?[）)]\s*$")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_COMPACT_DROP = re.compile(rf"[^0-9A-Za-z{CJK}]")
_NOTICE = re.compile(r"^(.{2,40}?)(?:印发)?关于印发")
_ADOPTION_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*")
_SESSION_NUMBER = re.compile(r"第?[〇零一二三四五六七八九十百\d]+届")
# Where the organ's name ends in an adoption or promulgation line.
_ORGAN_END = re.compile(r"令第|令|公告第|公告|决定|第[〇零一二三四五六七八九十百\d]+次|(?:常务)?会议|通过|公布|发布|批准|修订|修正|施行")
_NATIONAL_ORGANS = ("全国人民代表大会", "国务院", "中华人民共和国", "中共中央", "国家", "最高人民")
_TRAILER = re.compile(r"^(?:抄送|抄报|政策解读|主题词|扫一扫|打印本页|关闭窗口|【打印】)|印发$")
_DROP_LINE = re.compile(r"^[（(]?此件(?:主动|公开)?(?:公开|发布)+[）)]?$|^附件[:：]|^[（(]联系人")

# Places a document may bind; the first found in the title (then the issuer) is its region.
_PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾",
    "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_AUTONOMOUS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
               "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区"}
_PLACE_AT_START = re.compile(rf"^(?:\d{{4}}年)?([{CJK}]{{2,5}}?(?:新区|自治州|自治县|自治区|省|市|区|县|盟|旗))")
_NOT_PLACES = (
    "中华人民共和", "国家", "全国", "城市", "地区", "特区", "社区", "开发区", "示范区", "保护区", "景区", "园区", "名胜区",
    "产区", "行政区", "关于", "人力资源", "市场", "小区", "保税区", "滞洪区", "辖区", "城区", "市区", "矿区", "林区", "牧区", "山区", "库区",
)
_PLACES = Places.load()


def title_from_filename(stem: str) -> tuple[str, str | None]:
    """``辽源市…方案(2024-04-22)`` → (``辽源市…方案``, ``2024-04-22``)."""
    match = _FILE_DATE.search(stem)
    if not match:
        return stem.strip(), None
    return stem[: match.start()].strip(), _iso(match.group(1), match.group(2), match.group(3))


def _iso(year: str, month: str, day: str | None) -> str:
    return f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def compact(text: str) -> str:
    """Only letters, digits and Chinese characters: how titles are compared."""
    return _COMPACT_DROP.sub("", text)


def mark_title(items: list[Paragraph], title_hint: str | None) -> int | None:
    """Find the title line (or two lines that together make it), mark it as heading level 1 and return its
    index. With no hint, the last title-like line before the first numbered paragraph is taken."""
    limit = len(items)
    for index, item in enumerate(items):
        if not item.heading and find_marker(item.text) is not None:
            limit = index
            break
    for index in range(min(limit, len(items)) - 1, -1, -1):
        if items[index].heading == 1:
            return index
    if title_hint:
        wanted = compact(title_hint)
        found = None
        for index in range(limit):
            here = compact(items[index].text)
            if here == wanted:
                found = index
            elif index + 1 < len(items) and here and wanted.startswith(here) and here + compact(items[index + 1].text) == wanted:
                items[index] = Paragraph(items[index].text + items[index + 1].text, 1)
                del items[index + 1]
                found = index
                limit -= 1
        if found is not None:
            items[found].heading = 1
            return found
    for index in range(limit - 1, -1, -1):
        text = items[index].text
        if len(text) <= 50 and TITLE_SUFFIX.search(text) and "关于印发" not in text and not text.endswith("的通知"):
            items[index].heading = 1
            return index
    return None


def body_bounds(items: list[Paragraph], title_index: int | None) -> tuple[list[Paragraph], list[Paragraph]]:
    """The paragraphs of the body (after the title, without notes such as 此件公开 or 附件) and the colophon
    after it (抄送, 印发, 政策解读), where a signature date may stand."""
    start = title_index + 1 if title_index is not None else 0
    if title_index is None:
        # No title line: the body starts at the first numbered paragraph.
        start = next((i for i, p in enumerate(items) if p.heading or find_marker(p.text)), len(items))
    body = []
    for position in range(start, len(items)):
        item = items[position]
        if not item.heading and _TRAILER.search(item.text):
            return body, items[position:]
        if not item.heading and _DROP_LINE.search(item.text):
            continue
        body.append(item)
    return body, []


def find_date(header: list[str], fallback: str | None) -> str | None:
    """The document's date: the file name's, else a date line of the header (signature), else any date there."""
    if fallback:
        return fallback
    for line in reversed(header):
        if DATE_LINE.match(line):
            match = _CN_DATE.search(line)
            if match:
                return _iso(*match.groups())
    for line in header:
        match = _CN_DATE.search(line) or _ISO_DATE.search(line)
        if match:
            return _iso(*match.groups())
    return None


def find_issuer(header: list[str], region: str | None) -> str:
    """Who issued the document: the signature lines above the date, the organ before ``关于印发``, or for a law
    the organ that adopted or promulgated it."""
    for index, line in enumerate(header):
        if DATE_LINE.match(line):
            names = []
            for previous in reversed(header[:index]):
                if ORGAN_SUFFIX.search(previous) and len(previous) <= 30 and not _NOTICE.search(previous):
                    names.insert(0, previous)
                else:
                    break
            if names:
                return " ".join(names)
    for line in header:
        match = _NOTICE.search(line)
        if match:
            return _qualify(match.group(1), region)
    for line in reversed(header):
        organ = law_organ(line)
        if organ:
            return organ
    return ""


def law_organ(line: str) -> str:
    """The organ that adopted or promulgated a law, from a line of its header:
    ``2019年10月22日 中华人民共和国国务院令第722号公布`` → ``国务院``;
    ``2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议修订`` → ``全国人民代表大会常务委员会``;
    ``2009年1月7日 宁波市第十三届人民代表大会常务委员会公告第9号公布`` → ``宁波市人民代表大会常务委员会``."""
    match = _ADOPTION_DATE.match(line)
    if not match:
        return ""
    rest = _SESSION_NUMBER.sub("", line[match.end():]).strip().removeprefix("经")
    end = _ORGAN_END.search(rest)
    organ = (rest[: end.start()] if end else rest).removeprefix("中华人民共和国").strip(" ，,、")
    return organ if 2 <= len(organ) <= 40 else ""


def _qualify(organ: str, region: str | None) -> str:
    """``区优化营商环境领导小组办公室`` in 滨海新区 → ``滨海新区优化营商环境领导小组办公室``."""
    if region and organ[:1] in "区市县" and not organ.startswith(region):
        return region + organ[1:] if region.endswith(organ[0]) else organ
    return organ


def find_region(title: str, issuer: str) -> str:
    """The place the document binds: a known place (``regions.tsv``) or a place-like name at the start of the
    title, else of the issuer; ``全国`` when neither names a place (national law, a ministry's rules)."""
    for text in (title, issuer):
        place = _PLACES.at_start(text) or place_at_start(text)
        if place:
            return place
    return NATIONAL


def place_at_start(text: str) -> str:
    """A province, or a name ending in 市/区/县/州/盟/旗 (not a word such as 城市, 开发区, 风景名胜区) that a
    title or an organ's name starts with, or ``""``."""
    text = re.sub(r"^(?:中共|中国共产党)", "", text)
    text = re.sub(r"^\d{4}年(?:度)?", "", text)
    for name in _PROVINCES:
        if text.startswith(name):
            if name in _AUTONOMOUS:
                return _AUTONOMOUS[name]
            return name + ("市" if name in _MUNICIPALITIES else "省")
    match = _PLACE_AT_START.match(text)
    if match:
        place = match.group(1)
        if not any(place.endswith(bad) or place.startswith(bad) for bad in _NOT_PLACES):
            return place
    return ""


def find_kind(title: str, has_articles: bool) -> str:
    """``law`` for regulations (条例, 法, 规定 … or articles 第X条), else ``policy``."""
    if re.search(r"(?:方案|意见|计划|通知|措施|要点|规划)$", title):
        return "policy"
    return "law" if has_articles or re.search(r"(?:法|条例|规定|办法|细则|决定|规则)$", title) else "policy"


def make_doc_id(title: str, date: str | None) -> str:
    """A short stable id: ``d`` and 8 hex digits of the SHA-1 of title and date."""
    return "d" + hashlib.sha1(f"{compact(title)}|{date or ''}".encode("utf-8")).hexdigest()[:8]
