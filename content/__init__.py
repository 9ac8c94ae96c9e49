"""Career-guide content: pydantic schema, YAML loader and the bundled data.

Pure: no discord import and no I/O at import time.
"""

from content.loader import (
    ContentError,
    ContentProblem,
    bundled_content_dir,
    check_content,
    load_catalog,
)
from content.models import Catalog

__all__ = [
    "Catalog",
    "ContentError",
    "ContentProblem",
    "bundled_content_dir",
    "check_content",
    "load_catalog",
]
