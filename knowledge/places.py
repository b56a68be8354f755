"""Places: the regions a question may name and the regions documents bind, from ``knowledge/data/regions.tsv``
(``region<TAB>names|…<TAB>containing region``), editable by staff."""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.normal import fold, read_lines

REGIONS_FILE = Path(__file__).resolve().parent / "data" / "regions.tsv"
NATIONAL = "全国"
# Words that begin with a place's name but name no place: 国家级新区 is not a question about national law, nor is
# a national title an enterprise holds (国家高企, 国家专精特新"小巨人") — a city's plan rewards those.
_NOT_A_PLACE = (
    "国家级", "国家高新", "国家高企", "国家专精特新", "国家小巨人", "国家企业技术中心", "国家技术创新示范",
    "国家知识产权示范", "国家知识产权优势", "国家标准", "国家秘密",
)


class Places:
    """The region table: names → region, region → the region that contains it."""

    def __init__(self, names: dict[str, str], parents: dict[str, str]) -> None:
        self.names = names
        self.parents = parents
        self._aliases: dict[str, list[str]] = {}
        for name, region in names.items():
            self._aliases.setdefault(region, []).append(name)
        self._pattern = re.compile("|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))) if names else None

    @classmethod
    def load(cls, path: Path = REGIONS_FILE) -> "Places":
        names: dict[str, str] = {}
        parents: dict[str, str] = {}
        for line in read_lines(path):
            region, _, rest = line.partition("\t")
            aliases, _, parent = rest.partition("\t")
            for alias in [region, *aliases.split("|")]:
                if alias:
                    names[fold(alias)] = region
            if parent:
                parents[region] = parent
        return cls(names, parents)

    def names_of(self, region: str) -> list[str]:
        """Every name a text may use for ``region`` (``长春市`` → 长春, 长春市, 春城)."""
        return self._aliases.get(region, [])

    def chain(self, region: str) -> list[str]:
        """``region`` and the regions that contain it, innermost first (``朝阳区`` → 朝阳区, 长春市, 吉林省)."""
        chain = [region]
        while chain[-1] in self.parents and len(chain) < 5:
            chain.append(self.parents[chain[-1]])
        return chain

    def named(self, text: str) -> list[str]:
        """The regions a text names (``长春`` → ``长春市``), in order, each once."""
        if self._pattern is None:
            return []
        found: list[str] = []
        previous_end, previous_region = -1, None
        folded = fold(text)
        for match in self._pattern.finditer(folded):
            if folded.startswith(_NOT_A_PLACE, match.start()):
                continue
            region = self.names[match.group(0)]
            if match.start() == previous_end and previous_region not in self.chain(region):
                continue  # "北京朝阳区": a district of the place just named, not 长春's 朝阳区
            previous_end, previous_region = match.end(), region
            if region not in found:
                found.append(region)
        return found

    def without_names(self, text: str) -> str:
        """``text`` (folded) with every place name taken out."""
        return self._pattern.sub("", text) if self._pattern is not None else text

    def at_start(self, text: str) -> str | None:
        """The region a title or an organ's name starts with (``杭州西湖文化景观保护管理条例`` → ``杭州市``), if any."""
        if self._pattern is None:
            return None
        folded = re.sub(r"^(?:中共|中国共产党|\d{4}年度?)", "", fold(text))
        match = self._pattern.match(folded)
        if match is None or folded.startswith(_NOT_A_PLACE):
            return None
        return self.names[match.group(0)]
