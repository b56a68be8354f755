"""What the bot does with a message: one module per intent, tried in the order of :data:`handlers.router.HANDLERS`.

Handlers see only :class:`handlers.types.Incoming` values and return :class:`handlers.types.Reply` values:
no XML, JSON, crypto or Flask here.
"""
