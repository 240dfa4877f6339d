"""The inputs of `bench.run`: the held-out answers beside it, answers generated from the option
labels and synonyms with noise added, and the plain difflib matcher it is compared with."""

from __future__ import annotations

import difflib
import heapq
import random
from pathlib import Path

import yaml

from bench.engine.figures import HoldoutCase
from bot.knowledge import Knowledge

BENCH_DIR = Path(__file__).resolve().parents[1]
SEED = 20240611
DIFFLIB_ACCEPT = 0.6
FILLER_BEFORE = ("", "", "I think ", "probably ", "honestly, ", "for us: ", "mostly ", "hmm ")
FILLER_AFTER = ("", "", " I guess", " for now", " tbh", " in our case", " mainly", "!")


def holdout_files() -> list[Path]:
    """Every held-out set: `holdout.yml` and any `holdout_*.yml` beside it."""
    return sorted(BENCH_DIR.glob("holdout*.yml"))


def load_holdout(path: Path) -> list[HoldoutCase]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        HoldoutCase(str(item["question"]), str(item["text"]), item.get("expected"))
        for item in raw["holdout"]
    ]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # dropped letter
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    if kind == 2:
        return word[:i] + word[i] + word[i:]  # doubled letter
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # wrong letter


def _variant(phrase: str, rng: random.Random) -> str:
    words = phrase.split()
    if rng.random() < 0.5:
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    if len(words) > 2 and rng.random() < 0.2:
        words = words[len(words) // 2 :] + words[: len(words) // 2]
    text = " ".join(words)
    if rng.random() < 0.5:
        text = text.lower()
    return rng.choice(FILLER_BEFORE) + text + rng.choice(FILLER_AFTER)


def generated_inputs(knowledge: Knowledge, count: int) -> list[tuple[str, str]]:
    """(question id, text) pairs made from option labels and synonyms, with noise added."""
    rng = random.Random(SEED)
    phrases = [
        (question.id, phrase)
        for question in knowledge.questions
        for option in question.options
        for phrase in (option.label, *option.synonyms)
    ]
    return [(qid, _variant(phrase, rng)) for qid, phrase in rng.choices(phrases, k=count)]


class DifflibBaseline:
    """The plain approach: SequenceMatcher ratio against every phrase and every snippet."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._options = {
            question.id: [
                (option.id, [p.lower() for p in (option.label, *option.synonyms)])
                for option in question.options
            ]
            for question in knowledge.questions
        }
        self._snippets = [
            (snippet.id, f"{snippet.text} {' '.join(snippet.keywords)}".lower())
            for snippet in knowledge.snippets
        ]

    def option_scores(self, question_id: str, text: str) -> list[tuple[str, float]]:
        lowered = text.lower()
        scores = [
            (option_id, max(_ratio(lowered, phrase) for phrase in phrases))
            for option_id, phrases in self._options[question_id]
        ]
        return sorted(scores, key=lambda pair: -pair[1])

    def choose(self, question_id: str, text: str) -> str | None:
        best_id, best = self.option_scores(question_id, text)[0]
        return best_id if best >= DIFFLIB_ACCEPT else None

    def search(self, text: str, limit: int) -> list[tuple[float, str]]:
        lowered = text.lower()
        scored = ((_ratio(lowered, body), snippet_id) for snippet_id, body in self._snippets)
        return heapq.nlargest(limit, scored)


def _ratio(text: str, phrase: str) -> float:
    return difflib.SequenceMatcher(None, text, phrase).ratio()
