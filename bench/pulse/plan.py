"""Who answers what in a burst: each person's answers drawn from a skewed spread, double submits
right behind their first, changed answers in a second wave, and the tally the survey must end
with (each person's last answers)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.pulse import SurveyTally

SEED = 20_240_601
# How people answer: the share of each option, most chosen first; each question gets its own
# rotation, so the tally is neither uniform nor the same on every question.
SPREAD = (0.42, 0.26, 0.16, 0.10, 0.06)


def spread_weights(options: Sequence[str], rotation: int) -> list[float]:
    shares = list(SPREAD[: len(options)]) + [SPREAD[-1]] * max(0, len(options) - len(SPREAD))
    turn = rotation % len(options)
    return shares[turn:] + shares[:turn]


def pick_answers(questions: Mapping[str, Sequence[str]], rng: random.Random) -> dict[str, str]:
    """{question: option} drawn from each question's spread (call once per person)."""
    return {
        question: rng.choices(list(options), spread_weights(options, index))[0]
        for index, (question, options) in enumerate(questions.items())
    }


def changed(
    answers: Mapping[str, str], questions: Mapping[str, Sequence[str]], rng: random.Random
) -> dict[str, str]:
    """The same person changing their mind on one to three questions."""
    new = dict(answers)
    for question in rng.sample(list(questions), rng.randint(1, min(3, len(questions)))):
        new[question] = rng.choice([o for o in questions[question] if o != answers[question]])
    return new


def tally_of_answers(answers: Sequence[Mapping[str, str]]) -> SurveyTally:
    counts: dict[str, dict[str, int]] = {}
    for person in answers:
        for question, option in person.items():
            options = counts.setdefault(question, {})
            options[option] = options.get(option, 0) + 1
    ordered = {q: dict(sorted(counts[q].items())) for q in sorted(counts)}
    return SurveyTally(len(answers), ordered)


def tally_problems(got: SurveyTally, expected: SurveyTally) -> list[str]:
    problems = []
    if got.respondents != expected.respondents:
        problems.append(f"respondents {got.respondents}, expected {expected.respondents}")
    for question in sorted(set(got.counts) | set(expected.counts)):
        have, want = got.counts.get(question, {}), expected.counts.get(question, {})
        if have != want:
            problems.append(f"question {question}: {have}, expected {want}")
    return problems


Submitted = tuple[str, dict[str, str]]  # (user, answers)


@dataclass(frozen=True)
class Plan:
    """Who submits what in one burst, in order: wave 1, every person's first answers and some
    of them again (double submits); wave 2, changed answers, sent once wave 1 is all answered.
    And the tally the survey must have at the end: each person's last answers."""

    waves: tuple[list[Submitted], list[Submitted]]
    expected: SurveyTally


def plan_burst(
    questions: Mapping[str, Sequence[str]],
    users: Sequence[str],
    duplicates: int,
    changes: int,
    seed: int,
) -> Plan:
    rng = random.Random(seed)
    first = {user: (user, pick_answers(questions, rng)) for user in users}
    order = list(users)
    rng.shuffle(order)
    # A double submit is the same submission again, a few places behind the first: with many
    # in flight both are in the server at the same time, as with a double click.
    keyed = [(float(index), first[user]) for index, user in enumerate(order)]
    for index in rng.sample(range(len(order)), duplicates):
        keyed.append((index + rng.uniform(0.5, 8.5), first[order[index]]))
    wave1 = [submission for _, submission in sorted(keyed, key=lambda pair: pair[0])]
    last = dict(first.values())
    wave2 = []
    for user in rng.sample(list(users), changes):
        last[user] = changed(last[user], questions, rng)
        wave2.append((user, last[user]))
    return Plan((wave1, wave2), tally_of_answers(list(last.values())))
