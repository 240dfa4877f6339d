"""Turn free text into the tokens the matcher compares: normalised, lightly stemmed, with the
words under a negation ("not IT", "IT shouldn't own it") kept apart from the rest.

"IT" the department and "it" the pronoun are the one ambiguity every answer here runs into, so
the tokeniser settles it from case and context: a capitalised `IT` (or `I.T.`) is the department;
a lower-case `it` is the department only next to words that say so ("the it team").
"""

from __future__ import annotations

import bisect
import gzip
import importlib.util
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

IT_TOKEN = "IT"
NOT_PREFIX = "not_"

_WORD = re.compile(r"i\.t\.?|[a-z0-9]+(?:'[a-z]+)?|[,;.!?:()]|\s-\s", re.IGNORECASE)
_BOUNDARY_PUNCTUATION = frozenset({",", ";", ".", "!", "?", ":", "(", ")", " - "})
# Words that open a new clause: a negation inside one ("the calls that we can't explain")
# must not reach back over them.
_BOUNDARY_WORDS = frozenset(
    {"but", "however", "although", "though", "whereas", "yet", "that", "which", "because",
     "since", "while", "unless", "if", "so"}
)  # fmt: skip

# Negations that reach back to the clause's subject ("IT shouldn't lead this").
_CLAUSE_NEGATORS = frozenset(
    {
        "don't", "dont", "doesn't", "doesnt", "shouldn't", "shouldnt", "can't", "cant",
        "won't", "wont", "isn't", "isnt", "aren't", "arent", "mustn't", "mustnt",
        "wouldn't", "wouldnt", "couldn't", "couldnt", "cannot", "didn't", "didnt",
        "haven't", "havent", "hasn't", "hasnt", "hadn't", "wasn't", "wasnt", "weren't",
    }
)  # fmt: skip
# Negations that only cover what follows them ("the business, not IT").
_FORWARD_NEGATORS = frozenset(
    {"not", "no", "never", "without", "nor", "neither", "except", "nobody", "none", "nothing",
     "hardly", "barely", "rarely", "noone", "nowhere"}
)  # fmt: skip
# Verbs of ownership: a negation before them rejects the clause's subject ("IT shouldn't own").
_CONTROL_VERBS = frozenset(
    {"own", "lead", "run", "decid", "drive", "control", "manag", "call", "set", "choos",
     "steer", "direct", "be", "have", "get", "hold", "make", "do", "sign", "approv"}
)  # fmt: skip
_FORWARD_PAIRS = frozenset(
    {("rather", "than"), ("instead", "of"), ("anything", "but"), ("moved", "on")}
    # "we're well past pilots", "gone beyond one-off tools": what is left behind is not so now
    | {(before, word) for word in ("past", "beyond")
       for before in ("we're", "were", "are", "is", "it's", "its", "well", "way", "long",
                      "moved", "gone", "got", "get", "getting", "now")}
)  # fmt: skip
# After a negation these turn it around: "nothing ships without sign-off", "no rules beyond
# GDPR", "nothing except internal tools".
_DOUBLE = frozenset({"without", "unless", "until", "beyond", "except", "besides", "apart"})
_LITOTES = frozenset({"bad", "terrible", "awful", "poor", "unreasonable", "too", "so"})
_NOT_NEGATING = frozenset({"just", "only", "merely", "simply", "solely"})
_AUXILIARIES = frozenset(
    {"should", "must", "can", "could", "would", "will", "do", "does", "is", "are", "shall", "may"}
)

_IT_BEFORE = frozenset({"the", "our", "by", "not", "than", "from", "under", "within", "central"})
_IT_AFTER = frozenset(
    {
        "department", "dept", "team", "teams", "org", "organisation", "organization", "group",
        "leadership", "led", "function", "side", "folks", "people", "staff", "director",
        "manager", "managers", "ops", "operations", "infrastructure", "infra", "platform",
        "budget", "services", "support", "security", "owns", "owned", "leader", "leaders",
    }
)  # fmt: skip

_IT_ROLES = frozenset({"head", "heads", "director", "vp", "chief", "lead", "manager"})

STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "to", "for", "and", "or", "in", "on", "at", "by", "with",
        "we", "our", "us", "i", "me", "my", "you", "your", "it", "its", "it's", "is", "are",
        "be", "been", "was", "were", "should", "would", "could", "can", "will", "do", "does",
        "did", "this", "that", "these", "those", "mostly", "mainly", "probably", "maybe",
        "think", "really", "very", "just", "more", "most", "some", "so", "then", "than",
        "there", "their", "they", "them", "as", "from", "about", "like", "i'd", "i'm", "we're",
        "we'd", "has", "have", "had", "what", "which", "who", "how", "when", "where", "why",
        "am", "if", "also", "too", "quite", "pretty", "kind", "sort", "guess", "say",
        "definitely", "certainly", "clearly", "honestly", "right", "now", "today", "here",
        "one", "ones", "option", "answer", "choice", "please", "thanks", "ok", "okay",
        "rather", "instead", "anything", "only", "go", "pick", "choose", "let", "let's",
    }
)  # fmt: skip


NEGATORS = _FORWARD_NEGATORS | _CLAUSE_NEGATORS

# Everything that carries structure rather than meaning, checked in one set lookup.
_NOT_CONTENT = (
    _BOUNDARY_PUNCTUATION | _BOUNDARY_WORDS | STOPWORDS | _FORWARD_NEGATORS | _CLAUSE_NEGATORS
)


@dataclass(frozen=True)
class Analysed:
    """Content tokens of a text, split by whether a negation covers them."""

    positive: tuple[str, ...]
    negated: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.positive + self.negated

    @property
    def marked(self) -> tuple[str, ...]:
        """Positive words plus `not_<word>` for each negated one, so that a phrase that is
        itself negative ("not started yet") matches an answer that says the same."""
        return self.positive + tuple(NOT_PREFIX + word for word in self.negated)


def normalise(text: str) -> str:
    """Unicode-normalised text with typographic quotes made plain."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2019", "'").replace("\u2018", "'")


def raw_tokens(text: str) -> list[str]:
    """Words and clause punctuation, with IT the department resolved to IT_TOKEN."""
    found = [match.group(0) for match in _WORD.finditer(normalise(text))]
    lowered = [word.lower() for word in found]
    only_word = len([w for w in lowered if w not in _BOUNDARY_PUNCTUATION]) == 1
    tokens = []
    for i, (word, low) in enumerate(zip(found, lowered, strict=True)):
        if (
            low.startswith("i.t")
            or word == "IT"
            or (low == "it" and only_word)
            or (low == "it" and _lowercase_it_is_department(lowered, i))
        ):
            tokens.append(IT_TOKEN)
        else:
            tokens.append(low)
    return tokens


def _lowercase_it_is_department(words: list[str], i: int) -> bool:
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    role = words[i - 2] if i > 1 and before == "of" else ""  # "head of it"
    return before in _IT_BEFORE or after in _IT_AFTER or role in _IT_ROLES


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The word's dictionary form (lemminflect: "using" -> "use", "ran" -> "run", "children"
    -> "child"), then a light cut of derivational suffixes ("ownership" -> "own"). Both sides
    of every comparison go through it, so over-stemming costs nothing; typo tolerance absorbs
    the rest."""
    if word == IT_TOKEN or len(word) <= 3:
        return word
    word = _lemma(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=8192)
def is_dictionary_word(word: str) -> bool:
    """Whether `word` is an English word lemminflect knows (then it is no typo)."""
    return bool(_lemma_table().entries(word))


def _lemma(word: str) -> str:
    """A verb's or a noun's lemma, verbs first ("leads" -> "lead"); unknown words lose a
    plural ending. Only the word's spelling is known here, so no part of speech is guessed
    beyond that order."""
    if word.startswith(NOT_PREFIX) or "'" in word:
        return _singular(word)
    entries = _lemma_table().entries(word)
    if not entries:
        return _singular(word)
    ranked = sorted(entries, key=lambda entry: _rank(entry[0]))
    part, lemma = ranked[0]
    return lemma if _rank(part) < len(_PARTS) else word


_PARTS = ("verb", "noun", "adj")  # the part of speech whose lemma wins, in order


def _rank(part: str) -> int:
    return _PARTS.index(part) if part in _PARTS else len(_PARTS)


class _LemmaTable:
    """lemminflect's lemma table (`word,part of speech,lemma/lemma`, sorted by word), kept as
    its 1.8 MB of text and the offsets of its lines, searched by bisection. lemminflect's own
    loader holds the same 70,000 words as nested Python objects: 34 MB in every process."""

    def __init__(self, text: bytes) -> None:
        self._text = text
        self._starts = array("I", [0])
        position = text.find(b"\n")
        while position != -1:
            self._starts.append(position + 1)
            position = text.find(b"\n", position + 1)
        if self._starts[-1] >= len(text):
            self._starts.pop()

    def _word_at(self, line: int) -> bytes:
        start = self._starts[line]
        return self._text[start : self._text.index(b",", start)]

    def entries(self, word: str) -> list[tuple[str, str]]:
        """(part of speech, first lemma) for every line of `word`; empty: not a known word."""
        key = word.encode("utf-8")
        lines = range(len(self._starts))
        line = bisect.bisect_left(lines, key, key=self._word_at)
        found = []
        while line < len(self._starts) and self._word_at(line) == key:
            start = self._starts[line]
            end = self._text.find(b"\n", start)
            _, part, lemmas = self._text[start : end if end != -1 else None].decode().split(",", 2)
            found.append((part, lemmas.split("/")[0]))
            line += 1
        return found


@lru_cache(maxsize=1)
def _lemma_table() -> _LemmaTable:
    """The table from the installed lemminflect package (empty where it is missing: words are
    then matched by their singular)."""
    spec = importlib.util.find_spec("lemminflect")
    folders = spec.submodule_search_locations if spec else None
    path = Path(next(iter(folders))) / "resources" / "lemma_lu.csv.gz" if folders else None
    if path is None or not path.is_file():
        return _LemmaTable(b"")
    return _LemmaTable(gzip.decompress(path.read_bytes()))


_SUFFIXES = ("ership", "ing", "ed", "er")
_MIN_STEM = 3


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("'s"):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def phrase_words(text: str) -> tuple[str, ...]:
    """The words of an option's label or synonym, negations marked as in `Analysed.marked`.
    A condition ("if it doesn't pay back, it failed") states the option positively, so its
    negations are not marked."""
    if is_conditional(text):
        return tuple(content(raw_tokens(text)))
    return analyse(text).marked or tuple(content(raw_tokens(text)))


def is_conditional(text: str) -> bool:
    """Does `text` state a condition ("if ...", "unless ...")? Its negations then describe
    when the option fails, not what it rejects."""
    return not _CONDITIONS.isdisjoint(raw_tokens(text))


_CONDITIONS = frozenset({"if", "unless", "whether", "otherwise"})


def content(tokens: list[str]) -> list[str]:
    """Stemmed content words; falls back to every word when all of them are stopwords, so
    that a phrase like "all of the above" still has something to match."""
    words = [t for t in tokens if t not in _BOUNDARY_PUNCTUATION]
    kept = [stem(t) for t in words if t not in STOPWORDS]
    return kept or [stem(t) for t in words]


@lru_cache(maxsize=16_384)
def analyse(text: str) -> Analysed:
    """Content tokens, with those under a negation set apart."""
    tokens = raw_tokens(text)
    negated = _negated_positions(tokens)
    positive = [t for i, t in enumerate(tokens) if i not in negated]
    under = [t for i, t in enumerate(tokens) if i in negated]
    return Analysed(tuple(_content_only(positive)), tuple(_content_only(under)))


def _content_only(tokens: list[str]) -> list[str]:
    return [stem(t) for t in tokens if t not in _NOT_CONTENT]


def _negated_positions(tokens: list[str]) -> set[int]:
    negated: set[int] = set()
    for start, end in _clauses(tokens):
        for i in range(start, end):
            word = tokens[i].removesuffix("'s")  # "nothing's live"
            previous = tokens[i - 1] if i > start else ""
            following = tokens[i + 1] if i + 1 < end else ""
            if word in _CLAUSE_NEGATORS or (word == "not" and previous in _AUXILIARIES):
                # "IT shouldn't lead this" rejects IT; "we can't explain the model" does not
                # reject "we": the subject is negated only with a verb of ownership, or when
                # nothing follows ("not the business, they can't").
                after = [t for t in tokens[i + 1 : end] if t not in _NOT_CONTENT]
                reach_back = not after or stem(after[0]) in _CONTROL_VERBS
                negated.update(range(start if reach_back else i + 1, end))
                break
            if word in _FORWARD_NEGATORS and following in _NOT_NEGATING:
                continue  # "not just pilots" says more than pilots, not the opposite
            if word == "not" and following in _LITOTES:
                continue  # "not bad at classic IT" is praise
            if word in _FORWARD_NEGATORS or (previous, word) in _FORWARD_PAIRS:
                # "nothing ships without sign-off": two negations cancel from the second on.
                second = next((j for j in range(i + 1, end) if tokens[j] in _DOUBLE), end)
                negated.update(range(i + 1, second))
                break
    return negated


def _clauses(tokens: list[str]) -> list[tuple[int, int]]:
    clauses = []
    start = 0
    for i, token in enumerate(tokens):
        if token in _BOUNDARY_PUNCTUATION or token in _BOUNDARY_WORDS:
            clauses.append((start, i))
            start = i + 1
    clauses.append((start, len(tokens)))
    return [(s, e) for s, e in clauses if e > s]
