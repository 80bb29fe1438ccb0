"""Suggesting which local site each provider school maps to, by name similarity.

Names differ in small ways between systems ("Lincoln Elementary School" vs "Lincoln Elem",
"Washington High School" vs "Washington HS"), so both sides are reduced to canonical words, in
sorted order, before difflib compares them. Each school and each site is used at most once,
best pairs first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

MINIMUM_SCORE = 80.0

_CANONICAL = {
    "elementary": "elementary",
    "elem": "elementary",
    "el": "elementary",
    "es": "elementary",
    "middle": "middle",
    "mid": "middle",
    "ms": "middle",
    "high": "high",
    "hs": "high",
    "junior": "junior",
    "jr": "junior",
    "senior": "senior",
    "sr": "senior",
    "academy": "academy",
    "acad": "academy",
    "center": "center",
    "ctr": "center",
    "saint": "saint",
    "st": "saint",
    "intermediate": "intermediate",
    "int": "intermediate",
    "primary": "primary",
    "prim": "primary",
}
_DROPPED = {"school", "sch", "schl", "the", "of", "and"}
_WORD = re.compile(r"[^\W_]+")


def canonical_name(name: str) -> str:
    words = (_CANONICAL.get(word, word) for word in _WORD.findall(name.casefold()))
    return " ".join(word for word in words if word not in _DROPPED)


def _sorted_words(name: str) -> str:
    return " ".join(sorted(name.split()))


@dataclass(frozen=True, slots=True)
class Suggestion:
    school_id: str
    school_name: str
    site_name: str
    score: float


def suggest_mapping(schools: Sequence[tuple[str, str]], sites: Sequence[str]) -> list[Suggestion]:
    """Best one-to-one pairs of (school sourcedId, school name) with site names."""
    site_keys = [_sorted_words(canonical_name(site)) for site in sites]
    pairs: list[Suggestion] = []
    for school_id, school_name in schools:
        key = _sorted_words(canonical_name(school_name))
        for site, site_key in zip(sites, site_keys, strict=True):
            score = SequenceMatcher(None, key, site_key, autojunk=False).ratio() * 100
            if score >= MINIMUM_SCORE:
                pairs.append(Suggestion(school_id, school_name, site, score))
    pairs.sort(key=lambda pair: -pair.score)
    used_schools: set[str] = set()
    used_sites: set[str] = set()
    chosen: list[Suggestion] = []
    for pair in pairs:
        if pair.school_id not in used_schools and pair.site_name not in used_sites:
            used_schools.add(pair.school_id)
            used_sites.add(pair.site_name)
            chosen.append(pair)
    return sorted(chosen, key=lambda pair: pair.school_name.casefold())
