"""Deadline tasks and reminders: what the policy documents ask to be done by when, and who must be told.

- :mod:`handlers.reminders.deadline_text` turns a clause's deadline text into dated or recurring rules.
- :mod:`handlers.reminders.tasks` keeps one :class:`bot.store.reminders.DeadlineTask` per rule; staff correct them.
- :mod:`handlers.reminders.documents` takes new, replaced and removed knowledge-base documents in.
- :mod:`handlers.reminders.planning` plans the reminders (7, 3 and 1 days before by default).
- :mod:`handlers.reminders.manage` lists, cancels and snoozes what is scheduled; :mod:`handlers.reminders.commands`
  is the staff's chat interface to it.
- :mod:`handlers.reminders.recipients` says who a department or the leaders are in outbox terms, and queues messages.
- :mod:`handlers.reminders.localtime` converts between local time and the naive UTC stored everywhere.
"""
