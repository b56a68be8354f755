"""WeChat's XML, read safely and written without injection.

wechatpy parses with xmltodict on expat; it switches entity expansion off but still accepts a DTD. Here every
callback body is parsed with defusedxml with DTDs forbidden outright (no entity tricks, no external fetches), into
the flat dict wechatpy's message classes take. Replies are rendered by wechatpy, after splitting any ``]]>`` in
user-supplied text so it cannot close the CDATA section and inject elements.
"""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from wechatpy.replies import TextReply

from bot.channels.security import RejectedRequest

CDATA_END = "]]>"
SAFE_CDATA_END = "]]]]><![CDATA[>"  # ends the section after "]]" and opens a new one starting with ">"


def parse_xml(body: bytes) -> dict[str, Any]:
    """The children of the root ``<xml>`` element as a dict (nested elements as dicts); RejectedRequest(400) if not."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError):
        raise RejectedRequest(400, "malformed-xml") from None
    if root.tag != "xml":
        raise RejectedRequest(400, "malformed-xml")
    return _element_dict(root)


def _element_dict(element) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for child in element:
        result[child.tag] = _element_dict(child) if len(child) else (child.text or "")
    return result


def escape_cdata(text: str) -> str:
    """``text`` made safe to place inside ``<![CDATA[...]]>``: the parsed value is ``text`` unchanged."""
    return text.replace(CDATA_END, SAFE_CDATA_END)


def render_text_reply(to_user: str, from_user: str, text: str, agent_id: str | None = None) -> str:
    """A passive text reply (``<xml><MsgType>text</MsgType>...``) with every field CDATA-safe."""
    fields = {"target": escape_cdata(to_user), "source": escape_cdata(from_user), "content": escape_cdata(text)}
    if agent_id:
        fields["agent"] = escape_cdata(agent_id)
    reply = TextReply(**fields)
    return reply.render()
