"""Career-guide content: pydantic schema, YAML loader and the bundled data.

Pure: no discord import and no I/O at import time.
"""
