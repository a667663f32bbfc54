"""The page's text grouped by the block element that holds it, and where its article-like text lies.

One walk over the text nodes: each text goes to its nearest block ancestor (the first ancestor that
is not an inline tag), so a ``<div>`` that holds its text directly (with ``<br>`` between lines,
as many older and CMS-pasted pages do) is a block exactly as a ``<p>`` is. Per block: its length
(non-space characters), the part of it inside links, and its commas.

A block is *article-like* (the jusText idea: long, few links) when it holds at least
:data:`GOOD_BLOCK_LENGTH` characters with at most :data:`GOOD_BLOCK_LINK_SHARE` of them in links.
Their lengths summed into every ancestor (:attr:`TextBlocks.good`) say how much article-like text
an element holds; that is what the plausibility check of the main-content mode compares.
"""

from __future__ import annotations

from typing import Any

from obelics.html.simplify import tag_id

INLINE_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "ins", "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong",
        "sub", "sup", "time", "tt", "u", "var", "wbr", "br", "img", "picture",
    }
)  # fmt: skip
INLINE_IDS = frozenset(i for i in map(tag_id, INLINE_TAGS) if i is not None)
A_ID = tag_id("a")
MIN_BLOCK_LENGTH = 22
GOOD_BLOCK_LENGTH = 80
GOOD_BLOCK_LINK_SHARE = 0.25


# The ASCII characters :func:`nonspace` skips, and those ``str.split()`` splits on (Unicode
# whitespace within ASCII); ``bytes.translate`` deletes them from an ASCII text in one pass.
_NONSPACE_SKIPPED = b" \n\t\r"
_NONSPACE_SKIPPED_LATIN = b" \n\t\r\xa0"
_ASCII_WHITESPACE = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "


def nonspace(text: str) -> int:
    """Characters of a text that are not whitespace (a cheap, stable text length): not a space,
    newline, tab, carriage return or no-break space."""
    if text.isascii():  # (no no-break space in it)
        return len(text.encode().translate(None, _NONSPACE_SKIPPED))
    # The skipped characters are Latin-1 ones: the text's Latin-1 characters hold them all, one byte
    # each (two passes over the text instead of a count of each; the others are left out).
    latin = text.encode("latin-1", "ignore")
    return len(text) - len(latin) + len(latin.translate(None, _NONSPACE_SKIPPED_LATIN))


# The Latin-1 characters that ``str.split()`` splits on (those of :data:`_ASCII_WHITESPACE`, NEL, no-break space).
_LATIN_WHITESPACE = _ASCII_WHITESPACE + b"\x85\xa0"


def _block_length(text: str) -> int:
    """A block's text length: its characters but Unicode whitespace (what ``str.split()`` drops)."""
    if text.isascii():
        return len(text.encode().translate(None, _ASCII_WHITESPACE))
    return _unicode_block_length(text)


def _unicode_block_length(text: str) -> int:
    """:func:`_block_length` of a non-ASCII text: a Latin-1 text (accented Latin script) is measured
    on its bytes in one deletion pass, many times faster than splitting it; any other as split."""
    latin = text.encode("latin-1", "ignore")
    if len(latin) == len(text):
        return len(latin.translate(None, _LATIN_WHITESPACE))
    return len("".join(text.split()))


class TextBlocks:
    """Blocks of a subtree: ``blocks[mem_id] = [node, length, link_length, commas]``, in document order;
    ``good[mem_id]``: article-like text under each element (its own blocks included)."""

    def __init__(self, root: Any) -> None:
        # Each block's texts (and those inside links) are gathered first and measured once joined:
        # a length or a comma count of the joined texts is the sum of the texts' own.
        texts: dict[int, tuple[Any, list[str], list[str]]] = {}
        inline, a_id = INLINE_IDS, A_ID
        for node in root.traverse(include_text=True, skip_empty=True):  # (blank ASCII texts skipped)
            text = node.text_content  # (None for an element)
            # (a blank text, of Unicode whitespace too (what str.split() drops), is no block's)
            if not text or text.isspace():
                continue
            parent = node.parent
            linked = False
            while parent is not None:
                tid = parent.tag_id
                if tid not in inline:
                    break
                if tid == a_id:
                    linked = True
                parent = parent.parent
            if parent is None:
                continue
            key = parent.mem_id
            entry = texts.get(key)
            if entry is None:
                entry = texts[key] = (parent, [], [])
            entry[1].append(text)
            if linked:
                entry[2].append(text)
        # Blocks too short to score or to count as article-like are of no use to anyone.
        blocks: dict[int, list[Any]] = {}
        for key, (parent, parts, linked_parts) in texts.items():
            text = "".join(parts)
            if len(text) < MIN_BLOCK_LENGTH:
                continue  # (too short whatever its spaces)
            if text.isascii():
                n = len(text.encode().translate(None, _ASCII_WHITESPACE))
                commas = text.count(",")
            else:
                n = _unicode_block_length(text)
                commas = text.count(",") + text.count("\u3001") + text.count("\uff0c")
            if n >= MIN_BLOCK_LENGTH:
                blocks[key] = [parent, n, _block_length("".join(linked_parts)) if linked_parts else 0, commas]
        self.blocks = blocks
        self.root = root
        self._text: dict[int, int] | None = None
        self._chains: dict[int, list[int]] = {}  # good block -> its own and its ancestors' keys
        self._count_good()

    def _count_good(self) -> None:
        # Good blocks share parents (the paragraphs of an article), so each parent's ancestors are
        # climbed once, and each parent's sum of good text is added up its chain once.
        chains, blocks = self._chains, self.blocks
        good: dict[int, int] = {}
        ups: dict[int | None, tuple[list[int], list[int]]] = {}  # parent -> (its chain, [good text below])
        for key, (node, length, linked, _) in blocks.items():
            if length >= GOOD_BLOCK_LENGTH and linked <= GOOD_BLOCK_LINK_SHARE * length:
                parent = node.parent
                parent_key = None if parent is None else parent.mem_id
                found = ups.get(parent_key)
                if found is None:
                    up = []
                    while parent is not None:
                        up.append(parent.mem_id)
                        parent = parent.parent
                    found = ups[parent_key] = (up, [0])
                found[1][0] += length
                chains[key] = [key, *found[0]]
                good[key] = good.get(key, 0) + length
        for up, (length,) in ups.values():
            for ancestor in up:
                good[ancestor] = good.get(ancestor, 0) + length
        self.good = good
        self.total_good = good.get(self.root.mem_id, 0)

    def drop_under(self, removed: list[Any]) -> None:
        """Forget the blocks inside the given elements (about to be removed; outer ones before the
        elements they hold); their article-like text leaves their ancestors' sums."""
        gone = {node.mem_id for node in removed}
        # Whether an element lies in a removed one (itself included), for the blocks and their
        # ancestors: each climb stops at an element already known (removed subtrees can be large,
        # the blocks' ancestors are few).
        inside: dict[int, bool] = {}
        kept: dict[int, list[Any]] = {}
        chains, good = self._chains, self.good
        for key, entry in self.blocks.items():
            node, up, climbed = entry[0], key, []
            while True:
                found = inside.get(up)
                if found is not None:
                    break
                climbed.append(up)
                if up in gone:
                    found = True
                    break
                node = node.parent
                if node is None:
                    found = False
                    break
                up = node.mem_id
            for element in climbed:
                inside[element] = found
            if not found:
                kept[key] = entry
                continue
            chain = chains.pop(key, None)
            if chain is not None:
                length = entry[1]
                for ancestor in chain:
                    good[ancestor] -= length
        self.blocks = kept
        self.total_good = good.get(self.root.mem_id, 0)

    def blocks_under(self, node: Any) -> list[list[Any]]:
        """The article-like blocks inside an element (itself included)."""
        key = node.mem_id
        return [self.blocks[block] for block, chain in self._chains.items() if key in chain]

    def text_share(self, node: Any) -> float:
        """Share of the page's block text (all blocks) that an element holds; counted on first use."""
        if self._text is None:
            text: dict[int, int] = {}
            for block, length, _, _ in self.blocks.values():
                while block is not None:
                    key = block.mem_id
                    text[key] = text.get(key, 0) + length
                    block = block.parent
            self._text = text
        total = self._text.get(self.root.mem_id, 0)
        return self._text.get(node.mem_id, 0) / total if total else 0.0

    def good_in(self, nodes: list[Any]) -> int:
        """Article-like text under the given (disjoint) elements."""
        return sum(self.good.get(node.mem_id, 0) for node in nodes)

    def densest_region(self, share: float = 0.6) -> Any | None:
        """The deepest element that holds at least ``share`` of the page's article-like text, or None.

        Elements holding more than half of it form one chain from the root down, so the walk
        goes down that chain."""
        if not self.total_good:
            return None
        need = share * self.total_good
        good = self.good
        node, found = self.root, None
        while node is not None:
            found = node
            child = node.first_child
            node = None
            while child is not None:
                if good.get(child.mem_id, 0) >= need:
                    node = child
                    break
                child = child.next
        return found


def text_length(node: Any) -> int:
    """An element's text length, spaces not counted (:func:`nonspace`)."""
    return nonspace(node.text())


class LinkText:
    """Length of the link text under every element, gathered once from the ``<a>`` elements up."""

    def __init__(self, root: Any) -> None:
        self.lengths: dict[int, int] = {}
        lengths = self.lengths
        # Links share their ancestors: each element's parent is looked up once, the climbs that
        # follow go through this map.
        parent_of: dict[int, int | None] = {}
        for link in root.css("a"):
            n = nonspace(link.text())
            if not n:
                continue
            key = link.mem_id
            node, up = link, key
            while up not in parent_of:
                node = node.parent
                parent_of[up] = up = None if node is None else node.mem_id
                if up is None:
                    break
            while key is not None:
                lengths[key] = lengths.get(key, 0) + n
                key = parent_of[key]

    def __call__(self, node: Any) -> int:
        return self.lengths.get(node.mem_id, 0)

    def density(self, node: Any, text_len: int | None = None) -> float:
        total = text_length(node) if text_len is None else text_len
        return self(node) / total if total else 0.0

    def removed(self, node: Any) -> None:
        """Forget the links of a node about to be removed, in its ancestors' sums."""
        n = self(node)
        ancestor = node.parent
        while n and ancestor is not None:
            key = ancestor.mem_id
            self.lengths[key] = self.lengths.get(key, 0) - n
            ancestor = ancestor.parent


# The plausibility check: the chosen region must hold at least this share of the article-like text
# of the page's densest article-like region (when that region holds enough of it to be an article).
MIN_ARTICLE_TEXT = 500
