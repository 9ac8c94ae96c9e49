"""All state the bot keeps, in SQLite or PostgreSQL: migrations and typed repositories. The only
place with SQL.

Modules:

* :mod:`storage.db`: :func:`~storage.db.open_database` (start-up checks, PRAGMAs, numbered
  migrations in ``storage/migrations``), the writer/reader connections, transactions.
* :mod:`storage.store`: :func:`~storage.store.open_store`, the database plus one repository
  per aggregate: :mod:`~storage.settings`, :mod:`~storage.posts` (the exactly-once post
  ledger), :mod:`~storage.progress`, :mod:`~storage.leaderboards`, :mod:`~storage.members`
  (names, opt-out, ``forget_member``), :mod:`~storage.export`, :mod:`~storage.audit`.
* :mod:`storage.pg`: the PostgreSQL engine (``MLEBOT_DATABASE=postgresql://...``), same shape,
  its own migrations in ``storage/migrations_pg``; :mod:`storage.dialect`: the SQL that
  differs between the engines; :mod:`storage.admin`: ``db migrate`` and ``db copy``.
* :mod:`storage.models`: the frozen dataclasses and enums they take and return.
* :mod:`storage.streaks`: the streak definition, as a pure function.
* :mod:`storage.errors`: :class:`~storage.errors.StorageError` and its subclasses.

Nothing happens at import time; this package never imports ``discord``.
"""
