"""Signatures, timestamps and AES against the GUIDE's test vectors, and the ways they must fail."""

import pytest

from bot.channels.security import MessageCipher, RejectedRequest, check_timestamp, decode_aes_key, sign, verify_signature
from bot.config import ConfigError
from wechat_sim import OTHER_KEY, WECHATPY_VECTOR, WORK_DOC_VECTOR


@pytest.mark.parametrize("vector", [WECHATPY_VECTOR, WORK_DOC_VECTOR], ids=["wechatpy", "work-docs"])
def test_guide_vectors_verify_and_decrypt(vector) -> None:
    cipher = MessageCipher(vector["token"], vector["key"], vector["corp_id"], corp=True, where="test")
    plain = cipher.verify_and_decrypt(vector["msg_signature"], vector["timestamp"], vector["nonce"], vector["echostr"])
    assert plain == vector["plain"]


def test_vector_with_a_changed_signature_character_is_forged() -> None:
    v = WORK_DOC_VECTOR
    cipher = MessageCipher(v["token"], v["key"], v["corp_id"], corp=True, where="test")
    forged = v["msg_signature"][:-1] + ("0" if v["msg_signature"][-1] != "0" else "1")
    with pytest.raises(RejectedRequest) as caught:
        cipher.verify_and_decrypt(forged, v["timestamp"], v["nonce"], v["echostr"])
    assert caught.value.status == 403


def test_vector_with_wrong_key_or_corp_id_is_rejected_not_crashed() -> None:
    v = WORK_DOC_VECTOR
    for key, corp in ((OTHER_KEY, v["corp_id"]), (v["key"], "wx_other_corp")):
        cipher = MessageCipher(v["token"], key, corp, corp=True, where="test")
        with pytest.raises(RejectedRequest) as caught:
            cipher.verify_and_decrypt(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"])
        assert caught.value.status == 400


def test_round_trip_with_empty_receive_id() -> None:
    cipher = MessageCipher("t", OTHER_KEY, "", corp=True, where="test")
    encrypted = cipher.encrypt('{"msgid": "1"}')
    assert cipher.decrypt(encrypted) == '{"msgid": "1"}'
    assert MessageCipher("t", OTHER_KEY, "corp", corp=True, where="test").encrypt("x") != encrypted


@pytest.mark.parametrize("key", ["short", "a" * 44, "!" * 43, ""])
def test_bad_encoding_aes_key_is_a_config_error(key) -> None:
    with pytest.raises(ConfigError, match="wechat.mp"):
        decode_aes_key(key, "wechat.mp")


def test_garbage_ciphertext_is_rejected() -> None:
    cipher = MessageCipher("t", OTHER_KEY, "", corp=True, where="test")
    for garbage in ("not base64 at all!", "AAAA", "QUJD" * 5):
        with pytest.raises(RejectedRequest):
            cipher.decrypt(garbage)


def test_plain_signature_and_missing_signature() -> None:
    good = sign("tok", "1", "n")
    verify_signature(good, "tok", "1", "n")
    verify_signature(good.upper(), "tok", "1", "n")
    for bad in (None, "", "0" * 40, good + "0", "签名"):
        with pytest.raises(RejectedRequest):
            verify_signature(bad, "tok", "1", "n")


def test_timestamp_window() -> None:
    check_timestamp("1409659589", 0)
    check_timestamp("1000", 300, now=lambda: 1200)
    for stamp, status in (("1000", 403), ("abc", 400), (None, 400), ("-5", 400)):
        with pytest.raises(RejectedRequest) as caught:
            check_timestamp(stamp, 300, now=lambda: 2000)
        assert caught.value.status == status
