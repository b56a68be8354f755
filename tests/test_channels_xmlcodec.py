"""XML in: no DTD, no entities. XML out: user text cannot break out of CDATA."""

import pytest
import xmltodict

from bot.channels.security import RejectedRequest
from bot.channels.xmlcodec import escape_cdata, parse_xml, render_text_reply

BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Content>&lol3;</Content></xml>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>"""


def test_parses_flat_and_nested_fields() -> None:
    data = parse_xml(b"<xml><A>1</A><B><![CDATA[x]]></B><C><D>2</D></C><E/></xml>")
    assert data == {"A": "1", "B": "x", "C": {"D": "2"}, "E": ""}


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<!DOCTYPE xml><xml/>", b"<xml><A>", b"", b"\xff\xfe", b"<root><A>1</A></root>", b"{}"])
def test_rejects_dtds_entities_and_malformed_bodies(body) -> None:
    with pytest.raises(RejectedRequest) as caught:
        parse_xml(body)
    assert caught.value.status == 400


def test_cdata_end_in_user_text_cannot_inject_elements() -> None:
    hostile = "谢谢]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[x"
    xml = render_text_reply("openid]]><x>", "gh_bot", hostile)
    parsed = xmltodict.parse(xml)["xml"]
    assert parsed["Content"] == hostile
    assert parsed["MsgType"] == "text"
    assert parsed["ToUserName"] == "openid]]><x>"
    assert escape_cdata("plain") == "plain"
