"""All state the bot keeps, in SQLite: migrations and typed repositories.

The only package with SQL.
"""
