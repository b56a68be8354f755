"""Complaints by chat: the 12345 closed loop (受理 → 派单 → 办理 → 答复 → 回访 → 办结).

Where things are:

- ``intent.py``     what a message is (complaint, suggestion, policy question, help, status query)
- ``catalogue.py``  the routing catalogue (派单目录) and matching a message to a department; data in ``data/``
- ``dialogue.py``   the filing dialogue (company, contact, location; confirmation; timeout)
- ``chat.py``       the chat handlers placed in ``handlers.router.HANDLERS``
- ``staff.py``      staff commands from the WeChat Work app (派单, 签收, 回复, 办结, 退单, 督办 ...)
- ``states.py``     the state machine and who may take which action
- ``service.py``    opening tickets and taking actions: state, audit row and notifications in one transaction
- ``notify.py``     who is told, through which outbox channel
- ``followup.py``   matching follow-ups to open tickets; 并单 candidates
- ``render.py``     how tickets are written for enterprises and staff (anonymous reporters hidden)
- ``jobs.py``       what the scheduler runs (reminders, escalations, overdue lists, rating expiry)
- ``reports.py``    响应率 / 解决率 / 满意率 / overdue figures; ``ledger.py`` the 台账 (xlsx, csv)
- ``clock.py``      local dates and working days; ``masking.py`` personal data out of logs
"""
