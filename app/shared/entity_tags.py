"""Entity tags (RFC 9110 §8.8.3) and the two headers that list them, `If-Match` and `If-None-Match`.

Plain parsing, no HTTP framework: the tasks room turns a task's version into a tag and back, the HTTP room reads
the headers. A header that does not follow the grammar is a 400 (`InvalidHeaderError`), never a silent "no match".
"""

import re
from dataclasses import dataclass

from app.shared.errors import InvalidHeaderError

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text. A comma is a valid etagc, so a
# list is scanned tag by tag, never split on commas.
_TAG = re.compile(r'[ \t]*(W/)?("[\x21\x23-\x7e\x80-\xff]*")[ \t]*')
_EMPTY_ELEMENT = re.compile(r"[ \t]*")


@dataclass(frozen=True, slots=True)
class EntityTag:
    opaque: str  # quotes included: `"3"`
    weak: bool = False


@dataclass(frozen=True, slots=True)
class TagCondition:
    """An `If-Match` or `If-None-Match` header: `*` (any current version), or the tags it lists."""

    any: bool
    tags: tuple[EntityTag, ...] = ()

    def matches_strongly(self, etag: str) -> bool:
        """`If-Match`'s comparison: a weak tag never matches."""
        return self.any or any(not tag.weak and tag.opaque == etag for tag in self.tags)

    def matches_weakly(self, etag: str) -> bool:
        """`If-None-Match`'s comparison: `W/"3"` matches `"3"`."""
        return self.any or any(tag.opaque == etag.removeprefix("W/") for tag in self.tags)


def parse_tag_condition(header: str, values: list[str]) -> TagCondition:
    """One header's field lines (a client may send several) as one condition; 400 when they do not parse."""
    combined = ", ".join(values)
    if combined.strip(" \t") == "*":
        return TagCondition(any=True)
    tags: list[EntityTag] = []
    position = 0
    # A list may hold empty elements (`"1", , "2"`), which recipients must accept (RFC 9110 §5.6.1).
    while position <= len(combined):
        tag = _TAG.match(combined, position)
        if tag is not None:
            tags.append(EntityTag(opaque=tag.group(2), weak=tag.group(1) is not None))
            position = tag.end()
        else:
            position = _EMPTY_ELEMENT.match(combined, position).end()  # type: ignore[union-attr]
        if position == len(combined):
            break
        if combined[position] != ",":
            raise InvalidHeaderError(f'{header} must be * or a list of quoted entity tags, such as "3"')
        position += 1
    if not tags:
        raise InvalidHeaderError(f'{header} must be * or a list of quoted entity tags, such as "3"')
    return TagCondition(any=False, tags=tuple(tags))
