"""All state the bot keeps, in SQLite: migrations and typed repositories. The only place with SQL."""
