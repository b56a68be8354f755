"""WeChat's protocols, kept away from the handlers.

Where a message goes: ``bot/web/callbacks.py`` (Flask view) → a channel adapter here (``mp.py`` Official
Account, ``work.py`` WeChat Work app, ``aibot.py`` WeChat Work 智能机器人) checks the signature, decrypts and
parses the request into one :class:`handlers.types.Incoming` → ``inbound.py`` (dedup, rate limit, time budget)
→ ``Runtime.handle`` → ``handlers/router.py`` → the adapter renders (and encrypts) the reply.

``security.py`` holds the signature, timestamp and AES checks all three adapters share; ``xmlcodec.py`` the
XML parsing (no DTDs, no entities) and reply escaping.
"""
