"""Text from the provider as the directory database can hold it.

Everything is stored whole, whatever its length or script. The only characters replaced are
those a database cannot hold at all: lone surrogates (valid in JSON as "\\ud800", but not
Unicode text, so no UTF-8 column takes them) and, on PostgreSQL, NUL. Each becomes U+FFFD, the
Unicode replacement character, so the record is kept rather than refused.
"""

from __future__ import annotations

import re
from typing import Final

from sqlalchemy.engine import Dialect

REPLACEMENT: Final = "\ufffd"
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_SURROGATES_AND_NUL: Final = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str, dialect: Dialect) -> str:
    pattern = _SURROGATES_AND_NUL if dialect.name == "postgresql" else _SURROGATES
    return pattern.sub(REPLACEMENT, value)
