"""The routing catalogue: parsing (with clear errors), matching messages and department names, and agreement
of the default catalogue with the lead departments the knowledge base names."""

from __future__ import annotations

import pytest

from handlers.tickets.catalogue import CatalogueError, knowledge_departments, load_catalogue, parse_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue({})


def test_messages_route_to_categories(catalogue) -> None:
    assert catalogue.route("施工许可正材料补了三回").category.name == "工程建设审批"  # one character off
    routing = catalogue.route("税务局退税拖了三个月")
    assert routing.category.name == "税务" and routing.confident and "税务局" in routing.evidence
    assert catalogue.route("天气真好").category is None
    assert catalogue.route("天气真好").department == "市营商环境建设局"


def test_knowledge_base_lead_departments_vote(catalogue) -> None:
    plain = catalogue.route("材料交了一个月还没批")
    voted = catalogue.route("材料交了一个月还没批", clause_departments=[(("市建委",), 0.9)])
    assert plain.category is None and voted.category.name in {"工程建设审批", "水气暖"}


def test_department_names_as_staff_write_them(catalogue) -> None:
    assert catalogue.match_department("税务") == ["市税务局"]
    assert catalogue.match_department("市税务局") == ["市税务局"]
    assert catalogue.match_department("建委") == ["市住房城乡建设局"]
    assert len(catalogue.match_department("市")) > 1
    assert catalogue.match_department("火星局") == []


def test_limits(catalogue) -> None:
    assert catalogue.limit_for(catalogue.get("办电"), "投诉") == 5
    assert catalogue.limit_for(catalogue.get("办电"), "建议") == 15
    assert catalogue.limit_for(None, "投诉") == 10


@pytest.mark.parametrize(
    "data,message",
    [
        ([], "list under 'categories'"),
        ({"categories": [{"name": "x"}]}, "needs a name and a department"),
        ({"categories": [{"name": "x", "department": "d", "limit_days": 0}]}, "positive whole number"),
        ({"categories": [{"name": "x", "department": "d", "keywords": [1]}]}, "list of words"),
        ({"categories": [{"name": "x", "department": "d"}, {"name": "x", "department": "e"}]}, "named twice"),
    ],
)
def test_bad_catalogues_are_refused_naming_the_entry(data, message) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data, "test.yaml")


def test_an_edited_catalogue_file_is_used(tmp_path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text("dispatcher_department: 区营商办\ncategories:\n  - {name: 办电, department: 区发改局, keywords: [接电]}\n", encoding="utf-8")
    edited = load_catalogue({"tickets": {"catalogue": str(path)}})
    assert edited.route("接电太慢").department == "区发改局" and edited.dispatcher_department == "区营商办"
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue({"tickets": {"catalogue": str(tmp_path / "missing.yaml")}})


def test_the_default_departments_follow_the_knowledge_base(catalogue) -> None:
    from knowledge.ingest import DEFAULT_DOCUMENTS_DIR, parse_file

    documents = [parse_file(p) for p in sorted(DEFAULT_DOCUMENTS_DIR.iterdir()) if p.suffix in {".txt", ".md"}]
    evidence = knowledge_departments(catalogue, documents)
    for name in ("办电", "税务", "工程建设审批", "拖欠账款", "消防", "法院", "人社"):
        category = catalogue.get(name)
        named = [department for department, _ in evidence[name][:4]]
        assert any(alias in department for department in named for alias in category.aliases), (name, named)
