"""Directive scoring of the eval README: items matched at the same depth, speakers, false blocks.

An item matches a gold item at the same depth when its ordinal (or bullet marker) agrees and the first 8
normalized characters of the gold head open the item's text after its marker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.evalset import normalize, page_key


@dataclass(frozen=True)
class GoldItem:
    marker: str
    ordinal: int | None
    head: str
    children: tuple[GoldItem, ...] = ()


@dataclass(frozen=True)
class GoldBlock:
    speaker: str | None
    items: tuple[GoldItem, ...]


def _gold_items(raw: list[dict[str, Any]]) -> tuple[GoldItem, ...]:
    return tuple(
        GoldItem(
            marker=item["marker"],
            ordinal=item["ordinal"],
            head=item["head"],
            children=_gold_items(item.get("children") or []),
        )
        for item in raw
    )


def load_directives(eval_dir: Path) -> dict[str, list[GoldBlock]]:
    """Gold directive blocks by page key; pages.txt pages missing here are negatives."""
    out: dict[str, list[GoldBlock]] = {}
    for line in (eval_dir / "directives.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[page_key(rec)] = [
                GoldBlock(speaker=s["speaker"], items=_gold_items(s["items"])) for s in rec["structures"]
            ]
    return out


@dataclass
class PredItem:
    marker: str
    ordinal: int | None
    text: str
    children: list[PredItem] = field(default_factory=list)


@dataclass
class PredBlock:
    speaker: str | None
    items: list[PredItem] = field(default_factory=list)


# Separators a writer may put between a marker and the item text (一是，… / 1、…); they are not the head.
_AFTER_MARKER = "，,、:：.．"


def item_matches(gold: GoldItem, pred: PredItem) -> bool:
    """Ordinal (or bullet marker) agrees and the gold head's first 8 characters open the item's text."""
    if gold.ordinal is not None:
        if pred.ordinal != gold.ordinal:
            return False
    elif pred.ordinal is not None or normalize(pred.marker) != normalize(gold.marker):
        return False
    text, marker = normalize(pred.text), normalize(pred.marker)
    if marker and text.startswith(marker):
        text = text[len(marker) :]
    head = normalize(gold.head)[:8].lstrip(_AFTER_MARKER)
    return text.lstrip(_AFTER_MARKER).startswith(head)


def _flatten_gold(items: tuple[GoldItem, ...], block: int, depth: int = 0) -> list[tuple[int, int, GoldItem]]:
    out = []
    for item in items:
        out.append((depth, block, item))
        out.extend(_flatten_gold(item.children, block, depth + 1))
    return out


def _flatten_pred(items: list[PredItem], block: int, depth: int = 0) -> list[tuple[int, int, PredItem]]:
    out = []
    for item in items:
        out.append((depth, block, item))
        out.extend(_flatten_pred(item.children, block, depth + 1))
    return out


@dataclass
class PageDirectives:
    """Directive scoring of one page."""

    gold_items: int = 0
    pred_items: int = 0
    matched: int = 0
    pred_blocks: int = 0
    negative: bool = False
    speakers: list[tuple[str | None, str | None, bool]] = field(default_factory=list)
    """(gold speaker, our speaker, equal) for each gold block that shares a matched item with one of ours."""
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)


def _describe(depth: int, marker: str, text: str) -> str:
    return f"{'  ' * depth}[{depth}] {marker} {normalize(text)[:24]}"


def score_directives(gold: list[GoldBlock], pred: list[PredBlock]) -> PageDirectives:
    """Greedy one-to-one item matching in document order, at the same depth."""
    gold_flat = [g for i, block in enumerate(gold) for g in _flatten_gold(block.items, i)]
    pred_flat = [p for i, block in enumerate(pred) for p in _flatten_pred(block.items, i)]
    result = PageDirectives(
        gold_items=len(gold_flat), pred_items=len(pred_flat), pred_blocks=len(pred), negative=not gold
    )
    taken: set[int] = set()
    votes: dict[int, dict[int, int]] = {}
    for depth, gold_block, gold_item in gold_flat:
        hit = next(
            (
                j
                for j, (p_depth, _, p_item) in enumerate(pred_flat)
                if j not in taken and p_depth == depth and item_matches(gold_item, p_item)
            ),
            None,
        )
        if hit is None:
            result.missed.append(_describe(depth, gold_item.marker, gold_item.head))
            continue
        taken.add(hit)
        result.matched += 1
        block_votes = votes.setdefault(gold_block, {})
        block_votes[pred_flat[hit][1]] = block_votes.get(pred_flat[hit][1], 0) + 1
    result.spurious = [
        _describe(d, item.marker, item.text) for j, (d, _, item) in enumerate(pred_flat) if j not in taken
    ]
    for gold_block, block_votes in sorted(votes.items()):
        best = max(block_votes, key=lambda b: (block_votes[b], -b))
        want, got = gold[gold_block].speaker, pred[best].speaker
        result.speakers.append((want, got, normalize(want) == normalize(got)))
    return result


@dataclass
class DirectiveTotals:
    pages: int = 0
    negatives: int = 0
    gold_items: int = 0
    pred_items: int = 0
    matched: int = 0
    speaker_blocks: int = 0
    speaker_correct: int = 0
    false_blocks: int = 0

    def add(self, page: PageDirectives) -> None:
        self.pages += 1
        self.negatives += page.negative
        self.gold_items += page.gold_items
        self.pred_items += page.pred_items
        self.matched += page.matched
        self.speaker_blocks += len(page.speakers)
        self.speaker_correct += sum(ok for _, _, ok in page.speakers)
        self.false_blocks += page.pred_blocks if page.negative else 0

    @property
    def precision(self) -> float:
        return self.matched / self.pred_items if self.pred_items else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold_items if self.gold_items else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_correct / self.speaker_blocks if self.speaker_blocks else 0.0
