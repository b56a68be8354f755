"""WSGI entry for gunicorn: ``gunicorn 'bot.web.wsgi:app'`` (configuration from ``$BOT_CONFIG`` and ``ZQT_*``).

The knowledge base is loaded at import, so with ``--preload`` the workers share it and none answers the first
question slowly; the database connections opened meanwhile are closed, each worker opens its own.
"""

from bot.web import create_app

app = create_app()
app.extensions["zqt"]["runtime"].knowledge  # load now, not on the first question
app.extensions["zqt"]["runtime"].engine.dispose()  # no database connection may cross gunicorn's fork
