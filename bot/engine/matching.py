"""Understand a free-text answer: which option of a question does it mean, if any?

An answer is read the way a person reads it:

1. a position ("2", "b", "the second one") is taken at its word;
2. the answer is split into clauses (`clauses.py`): the clause after a "but" is the point, a
   conceded one counts a little;
3. each clause is scored against every option twice, by its words (`lexical.py`, typo-tolerant
   coverage of the option's phrases) and by its meaning (`meaning.py`, vectors of the option's
   label, synonyms, description, examples and the article snippets behind it), and lengths of
   time are compared with the ranges options declare (`durations.py`);
4. a negated clause counts against the options it names and for their `opposite`;
5. two clauses pointing at two options that one option `combines` ("IT keeps it running and my
   team leads check it helps") mean that joint option.

The verdict is honest: an option is chosen only when it is good and clearly ahead of the
runner-up; otherwise the likeliest options are offered back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.engine import thresholds as t
from bot.engine.classifier import NearestChatter, OptionClassifier
from bot.engine.clauses import Clause, names_both_sides, split_clauses
from bot.engine.durations import lengths_in_days
from bot.engine.inquiry import is_undecided, positions_named
from bot.engine.lexical import LexicalScorer
from bot.engine.meaning import Answers, MeaningScorer, MeaningScores, own_texts
from bot.engine.references import option_reference
from bot.engine.text import Analysed, analyse, normalise
from bot.engine.vectors import Embedder
from bot.knowledge.model import Question, Snippet

_NON_WORD = re.compile(r"[^\w']+")
# Words that join two sides into one answer ("IT runs it and the business checks it").
_JOINT_CUE = re.compile(
    r"\b(?:both|together|jointly|joint|and|plus|while|whilst|alongside|side by side|with|then|"
    r"shared|split|each|mix|combination|as well as)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class OptionScore:
    option_id: str
    score: float


@dataclass(frozen=True)
class OptionMatch:
    """The verdict on one answer: `chosen` is None when the matcher is unsure, and then
    `candidates` holds the likeliest options to ask back with (empty: nothing came close)."""

    chosen: str | None
    ranked: tuple[OptionScore, ...]
    candidates: tuple[str, ...]
    by_position: bool = False

    @property
    def best(self) -> OptionScore | None:
        return self.ranked[0] if self.ranked else None


@dataclass(frozen=True)
class _Reading:
    """What reading an answer found: every option's score, best first; the options an "X or
    Y" answer (or a contested one) leaves open, if any; and whether it is chatter, not an
    answer (the classifiers place it with the knowledge's `not_answers`)."""

    ranked: tuple[OptionScore, ...]
    alternatives: tuple[str, ...]
    chatter: bool


def topic_classifier(
    questions: Sequence[tuple[Question, Answers]],
    chatter: tuple[str, ...],
    embedder: Embedder | None,
) -> OptionClassifier | None:
    """One classifier for the whole diagnostic: everything its options mean (examples and
    example answers included) against the chatter. A question's own classifier tells its
    options from chatter; this one also knows that an answer to any question is not chatter,
    from many more texts. None without chatter or vectors."""
    if not chatter or embedder is None:
        return None
    about = [
        text
        for question, answers in questions
        for texts in own_texts(question, answers)
        for text in texts
    ]
    return OptionClassifier([about], embedder, chatter)


class QuestionMatcher:
    """Matches free text against the options of one question. Built once per knowledge."""

    def __init__(
        self,
        question: Question,
        snippets: Mapping[str, Snippet] | None = None,
        embedder: Embedder | None = None,
        answers: Answers | None = None,
        chatter: tuple[str, ...] = (),
        topic: OptionClassifier | None = None,
        nearest_chatter: NearestChatter | None = None,
    ) -> None:
        """`answers`: the example answers by option (the knowledge's `examples` files: their
        meaning and the classifiers learn from them, one typed as it stands is understood,
        and word matching takes the short ones). `chatter`: texts that answer no question
        (the knowledge's `not_answers`). `topic`: a classifier of everything the diagnostic's
        options mean against that chatter, shared by the questions (`topic_classifier`);
        `nearest_chatter`: the chatter's vectors, shared too."""
        self.question = question
        self.option_ids = tuple(option.id for option in question.options)
        self._index = {option_id: i for i, option_id in enumerate(self.option_ids)}
        # Short example answers read like synonyms; long stories would only slow word matching.
        short = {
            option_id: tuple(a for a in texts if len(a) <= t.SHORT_ANSWER_CHARS)
            for option_id, texts in (answers or {}).items()
        }
        self._lexical = LexicalScorer(question, short)
        self._meaning = (
            MeaningScorer(question, dict(snippets or {}), embedder, answers) if embedder else None
        )
        own = own_texts(question, answers)
        self._classifier = OptionClassifier(own, embedder) if embedder else None
        # A second classifier, with the chatter as one more class, only to tell answers from
        # chatter: as a class of the first it would take a share of every answer's scores.
        self._chatter = OptionClassifier(own, embedder, chatter) if embedder and chatter else None
        self._topic = topic if embedder else None
        self._nearest_chatter = nearest_chatter if embedder else None
        self._opposite = [
            self._index.get(option.opposite) if option.opposite else None
            for option in question.options
        ]
        self._joint = [
            (i, tuple(self._index[o] for o in option.combines if o in self._index))
            for i, option in enumerate(question.options)
            if option.combines
        ]
        self._exact = _exact_phrases(question, answers or {})
        self._days = [option.days for option in question.options]
        self._has_days = any(self._days)

    def match(self, text: str) -> OptionMatch:
        """Understand `text` (its clauses are analysed one by one)."""
        text = text[: t.MAX_MATCH_CHARS]
        position = option_reference(text, len(self.option_ids))
        if position is not None:
            return self._certain(position, by_position=True)
        exact = self._exact.get(_plain(text))
        if exact is not None:
            # The label (or a phrase of the knowledge) typed as it stands: no reading needed.
            return self._certain(exact)
        reading = self._read(text)
        ranked = reading.ranked
        if is_undecided(text):
            return self._undecided(text, ranked)
        if reading.alternatives:
            return OptionMatch(None, ranked, reading.alternatives)
        if reading.chatter:
            # Not an answer at all, whatever word of it an option shares: nothing is offered.
            return OptionMatch(None, ranked, ())
        return decide(ranked)

    def _certain(self, index: int, by_position: bool = False) -> OptionMatch:
        scores = [
            OptionScore(option_id, 100.0 if i == index else 0.0)
            for i, option_id in enumerate(self.option_ids)
        ]
        ranked = tuple(sorted(scores, key=lambda s: -s.score))
        return OptionMatch(self.option_ids[index], ranked, (), by_position=by_position)

    def _undecided(self, text: str, ranked: tuple[OptionScore, ...]) -> OptionMatch:
        """ "Torn between b and d": ask back with the options named, or the two likeliest."""
        named = positions_named(text, len(self.option_ids))
        if len(named) >= 2:
            return OptionMatch(None, ranked, tuple(self.option_ids[i] for i in named[:3]))
        likely = tuple(s.option_id for s in ranked[:2] if s.score > 0.0)
        return OptionMatch(None, ranked, likely)

    def asked_about(self, text: str) -> tuple[str, ...]:
        """The options a question about the options is about: those it names by position, else
        the one its words point at clearly, else the two or three likeliest, else none (the
        question is about the options in general)."""
        named = positions_named(text, len(self.option_ids))
        if named:
            return tuple(self.option_ids[i] for i in named[:3])
        ranked = self.scores(text)
        close = [s.option_id for s in ranked if s.score >= t.ASKED_ABOUT_SCORE]
        if close and ranked[0].score - ranked[1].score >= t.ACCEPT_MARGIN:
            return (ranked[0].option_id,)
        return tuple(close[:3])

    def scores(self, text: str) -> tuple[OptionScore, ...]:
        """Every option's score for `text`, best first (ties keep the options' order)."""
        return self._read(text).ranked

    def _read(self, text: str) -> _Reading:
        text = text[: t.MAX_MATCH_CHARS]
        clauses = split_clauses(text)
        analyses = [analyse(clause.text) for clause in clauses]
        negated = [len(a.negated) > len(a.positive) for a in analyses]
        meanings: list[MeaningScores | None] = [None] * len(clauses)
        classified: list[float] | None = None
        own_view = wide_view = False
        if self._meaning is not None:
            plain = normalise(text)
            # The clauses one by one, and the whole answer last (what the classifier reads).
            spans = [(clause.start, clause.end) for clause in clauses] + [(0, len(plain))]
            vectors = self._meaning.vectors(plain, spans)
            meanings = list(self._meaning.score(vectors[:-1], negated))
            if self._classifier is not None:
                classified = self._classifier.scores(vectors[-1])
                # The question's own view (its options against the chatter) is trusted over a
                # plain word match; the diagnostic-wide one only when no option is named plainly.
                own_view = bool(
                    self._chatter and self._chatter.is_chatter(vectors[-1])
                ) or self._near_chatter(vectors[-1])
                wide_view = bool(self._topic and self._topic.is_chatter(vectors[-1]))
        readings = [
            self._clause_scores(clause, analysed, is_negated, meaning)
            for clause, analysed, is_negated, meaning in zip(
                clauses, analyses, negated, meanings, strict=True
            )
        ]
        per_clause = [scores for scores, _ in readings]
        final = _aggregate(clauses, per_clause, len(self.option_ids))
        self._joint_evidence(text, clauses, per_clause, negated, final)
        contested: tuple[str, ...] = ()
        # An answer that names an option plainly ("I'd say strong.") is an answer, unless the
        # question's own classifier hears chatter ("the train was late" is not about training).
        chatter = own_view or (wide_view and max(final, default=0.0) < t.CHATTER_MAX_SCORE)
        if classified is not None:
            contested = self._contested(clauses, final, classified)
            # Blended after the joint rule, so that an answer which as a whole does not sound
            # like the joint option tempers a joint reading of two clauses. It also speaks for
            # answers whose clauses are all negations the options' texts do not share ("if it
            # doesn't pay back in saved hours, it isn't working"): it learnt from answers like
            # them. An option the answer rejects gets nothing from it: static vectors hear "IT"
            # in "IT shouldn't own it".
            share = t.CLASSIFIER_SHARE
            for i, score in enumerate(classified):
                if any(against[i] >= t.REJECTED_SCORE for _, against in readings):
                    score = 0.0
                final[i] = (1 - share) * final[i] + share * score
        pairs = zip(self.option_ids, final, strict=True)
        ranked = [OptionScore(option_id, round(score, 1)) for option_id, score in pairs]
        ranked.sort(key=lambda s: -s.score)
        if contested and ranked[0].score - ranked[1].score >= t.CONTESTED_SETTLED:
            contested = ()  # blended, one reading still wins clearly: it is settled
        alternatives = contested or self._alternatives(clauses, per_clause)
        return _Reading(tuple(ranked), alternatives, chatter)

    def _near_chatter(self, vector: npt.NDArray[np.float32]) -> bool:
        """Whether the text nearest the answer is a chatter text, and a close one: nearer than
        every text of this question's options (their examples and example answers included)."""
        if self._nearest_chatter is None or self._meaning is None:
            return False
        chatter = self._nearest_chatter.similarity(vector)
        if chatter < t.CHATTER_NEAR:
            return False
        return chatter > float(self._meaning.similarities(vector[None, :]).max(initial=0.0))

    def _contested(
        self, clauses: tuple[Clause, ...], read: list[float], classified: list[float]
    ) -> tuple[str, ...]:
        """ "IT has the skills, but the business should decide": when an answer concedes
        something, its clauses (`read`) and the classifier's view of it as a whole may point
        at different options, each clearly. Neither is right often enough to overrule the
        other (on the development answers each was wrong more often than asking), so the
        answer is asked back with both, the clauses' reading first."""
        if not any(clause.conceded for clause in clauses):
            return ()
        order = sorted(range(len(read)), key=lambda i: -read[i])
        heard = max(range(len(classified)), key=classified.__getitem__)
        clear = read[order[0]] - read[order[1]] >= t.CONTESTED_MARGIN
        if order[0] != heard and clear and classified[heard] >= t.CONTESTED_SCORE:
            return (self.option_ids[order[0]], self.option_ids[heard])
        return ()

    def _alternatives(
        self, clauses: tuple[Clause, ...], per_clause: list[list[float]]
    ) -> tuple[str, ...]:
        """ "The CIO or a business leader": two clauses joined by "or" that point at two
        different options leave the choice open between them."""
        for i in range(1, len(clauses)):
            if not clauses[i].alternative:
                continue
            before, after = per_clause[i - 1], per_clause[i]
            first = max(range(len(before)), key=before.__getitem__)
            second = max(range(len(after)), key=after.__getitem__)
            strong = min(before[first], after[second]) >= t.JOINT_PART_SCORE
            if first != second and strong:
                return (self.option_ids[first], self.option_ids[second])
        return ()

    def _clause_scores(
        self,
        clause: Clause,
        analysed: Analysed,
        negated: bool,
        meaning: MeaningScores | None,
    ) -> tuple[list[float], list[float]]:
        lengths = lengths_in_days(clause.text) if self._has_days else ()
        if not analysed.all and not lengths:
            nothing = [0.0] * len(self.option_ids)
            return nothing, nothing
        lexical = self._lexical.score(analysed)
        support = list(lexical.support)
        against = list(lexical.against)
        if meaning is not None and analysed.all:
            # A word or two says little about meaning: "lunch" is not a whole idea.
            certainty = min(1.0, (len(analysed.all) + 1) / t.MEANING_FULL_WORDS)
            for i in range(len(support)):
                support[i] = _blend(support[i], certainty * meaning.support[i])
                if not lexical.agrees[i]:
                    against[i] = max(against[i], t.MEANING_AGAINST_SHARE * meaning.against[i])
        for i, span in enumerate(self._days):
            if span is None or not lengths:
                continue
            if any(span.min <= days <= (span.max or days) for days in lengths):
                if negated:  # "not years": the length is ruled out
                    against[i] = max(against[i], t.DURATION_SCORE)
                else:
                    support[i] = max(support[i], t.DURATION_SCORE)
            else:
                # A length was named and it is not this option's: its words count for little.
                support[i] = min(support[i], t.DURATION_MISMATCH_CAP)
        final = [
            max(0.0, s - t.NEGATION_PENALTY * a) for s, a in zip(support, against, strict=True)
        ]
        for i, opposite in enumerate(self._opposite):
            if opposite is not None and against[i] > 0.0:
                final[opposite] = max(final[opposite], t.OPPOSITE_SHARE * against[i])
        return final, list(lexical.against)

    def _joint_evidence(
        self,
        text: str,
        clauses: tuple[Clause, ...],
        per_clause: list[list[float]],
        negated: list[bool],
        final: list[float],
    ) -> None:
        """Main clauses that point at different options a joint option combines mean it."""
        if not self._joint or len(clauses) < 2 or not _JOINT_CUE.search(text):
            return
        both = names_both_sides(text)
        for joint, parts in self._joint:
            named: dict[int, float] = {}
            for clause, scores, is_negated in zip(clauses, per_clause, negated, strict=True):
                if is_negated or (clause.conceded and not both):
                    continue  # a rejected or conceded side is not one the answer joins
                # The part this clause names best; the joint option itself may score higher
                # ("paired with" is in its label) without hiding which side the clause is.
                part = max(parts, key=scores.__getitem__)
                if scores[part] >= t.JOINT_PART_SCORE:
                    named[part] = max(named.get(part, 0.0), scores[part])
            # The first part must be among them: "IT and the business" is a joint forum, while
            # "the business and a CAIO" may not be.
            if len(named) >= 2 and parts[0] in named:
                # The answer means the joint option, not either of its parts alone.
                final[joint] = max(final[joint], min(100.0, min(named.values()) + t.JOINT_BONUS))
                for part in parts:
                    final[part] = min(final[part], final[joint] - t.JOINT_BONUS)


def _plain(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", normalise(text).lower()).split())


def _exact_phrases(question: Question, answers: Answers) -> dict[str, int]:
    """Each label, synonym, example and example answer, as typed, for the one option that has
    it."""
    owners: dict[str, set[int]] = {}
    for index, option in enumerate(question.options):
        given = answers.get(option.id, ())
        for phrase in (option.label, *option.synonyms, *option.examples, *given):
            owners.setdefault(_plain(phrase), set()).add(index)
    return {phrase: next(iter(found)) for phrase, found in owners.items() if len(found) == 1}


def _aggregate(
    clauses: tuple[Clause, ...], per_clause: list[list[float]], size: int
) -> list[float]:
    """An option's score for the whole answer: its best clause (weighted), mixed with its
    weighted mean over the clauses that say anything, so that one stray clause of a long
    answer does not outvote the rest."""
    best = [0.0] * size
    total = [0.0] * size
    weights = 0.0
    for clause, scores in zip(clauses, per_clause, strict=True):
        if not any(scores):
            continue
        weights += clause.weight
        for i, score in enumerate(scores):
            best[i] = max(best[i], clause.weight * score)
            total[i] += clause.weight * score
    if weights == 0.0:
        return best
    share = t.CLAUSE_MEAN_SHARE
    return [(1 - share) * b + share * (s / weights) for b, s in zip(best, total, strict=True)]


def _blend(lexical: float, meaning: float) -> float:
    return t.MEANING_SHARE * meaning + (1 - t.MEANING_SHARE) * lexical


def decide(ranked: tuple[OptionScore, ...]) -> OptionMatch:
    """Choose the best option only when it is both good and clearly ahead. Otherwise name the
    options worth asking back with: those with some evidence and close to the best (up to three;
    a single one when only one has any evidence; none when nothing scored at all)."""
    best, second = ranked[0], ranked[1]
    if best.score >= t.ACCEPT_SCORE and best.score - second.score >= t.ACCEPT_MARGIN:
        return OptionMatch(best.option_id, ranked, ())
    close = [
        s.option_id for s in ranked if s.score > 0.0 and best.score - s.score <= t.CLARIFY_SPREAD
    ]
    if len(close) < 2:
        close = [s.option_id for s in ranked[:2] if s.score > 0.0]
    return OptionMatch(None, ranked, tuple(close[:3]))
