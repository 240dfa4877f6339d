"""The per-question classifier: trained on what the knowledge says each option means."""

from __future__ import annotations

import pytest

from bot.authoring.answer_tests import AnswerCase, run_case
from bot.engine.classifier import NearestChatter, OptionClassifier
from bot.engine.index import index_for
from bot.engine.vectors import Embedder, available_embedder
from bot.knowledge import Knowledge

TEXTS = [
    ["the servers and the network", "infrastructure and uptime", "keeping the systems running"],
    ["hiring data scientists", "machine learning specialists", "experts in statistics"],
    ["our sales people", "the shop floor staff", "customer service agents"],
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    found = available_embedder()
    assert found is not None, "wordllama is a dependency: its vectors must be installed"
    return found


def test_an_unseen_paraphrase_goes_to_its_option(embedder: Embedder) -> None:
    classifier = OptionClassifier(TEXTS, embedder)
    scores = classifier.scores(embedder.embed("we would recruit statisticians"))
    assert max(range(3), key=scores.__getitem__) == 1
    assert all(0.0 <= score <= 100.0 for score in scores)


def test_nothing_to_go_on_scores_nothing(embedder: Embedder) -> None:
    classifier = OptionClassifier(TEXTS, embedder)
    assert classifier.scores(embedder.embed("")) == [0.0, 0.0, 0.0]


def test_training_is_deterministic(embedder: Embedder) -> None:
    vector = embedder.embed("people who answer customers")
    first = OptionClassifier(TEXTS, embedder).scores(vector)
    assert OptionClassifier(TEXTS, embedder).scores(vector) == first


def test_answers_from_the_examples_files_teach_the_matcher(knowledge: Knowledge) -> None:
    matcher = index_for(knowledge).matchers["it_capability"]
    bank = knowledge.example_answers("it_capability")
    # An answer of the examples files, typed as it stands, is understood outright.
    text = bank["stretched"][0]
    assert matcher.match(text).chosen == "stretched"
    # ...and they shape what the matcher hears in answers it has never seen.
    assert matcher.match("zero bandwidth, they are firefighting the old estate").chosen == (
        "stretched"
    )


def test_a_rejected_option_gets_nothing_from_the_classifier(knowledge: Knowledge) -> None:
    # The classifier hears "IT"; the "shouldn't" is the clauses' business.
    match = index_for(knowledge).matchers["reporting_line"].match("IT shouldn't own it")
    assert match.chosen != "it"


CHATTER = ("lunch at 1?", "happy friday everyone", "the car park is full again", "brb")


def test_chatter_is_told_from_the_options(embedder: Embedder) -> None:
    classifier = OptionClassifier(TEXTS, embedder, CHATTER)
    assert classifier.is_chatter(embedder.embed("is anyone going for lunch?"))
    assert not classifier.is_chatter(embedder.embed("we would recruit statisticians"))
    # Its scores are still the options' only.
    assert len(classifier.scores(embedder.embed("brb"))) == 3


def test_the_nearest_chatter_text_is_found(embedder: Embedder) -> None:
    nearest = NearestChatter(CHATTER, embedder)
    assert nearest.similarity(embedder.embed("happy friday everyone")) > 0.99
    assert nearest.similarity(embedder.embed("")) == 0.0
    assert NearestChatter((), embedder).similarity(embedder.embed("brb")) == 0.0


def test_without_chatter_nothing_is_chatter(embedder: Embedder) -> None:
    classifier = OptionClassifier(TEXTS, embedder)
    assert not classifier.is_chatter(embedder.embed("lunch at 1?"))


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # each was recorded as an answer before the matcher learnt the chatter
        ("regulation", "I need to book a meeting room for tomorrow"),
        ("success_metrics", "did you see the email from HR about the holiday rota"),
        ("it_capability", "great weather today"),
        ("mandate", "what time is the all-hands"),
        # "train" is a word of "upskilled" answers; the question's own classifier hears chatter
        ("talent_model", "the train was late again this morning"),
        ("ai_maturity", "hold on, someone's at the door"),
        ("time_horizon", "this is taking ages"),
    ],
)
def test_chatter_is_not_recorded(knowledge: Knowledge, question: str, text: str) -> None:
    match = index_for(knowledge).matchers[question].match(text)
    assert match.chosen is None
    assert match.candidates == ()  # not even offered back: it was not an answer


def test_an_answer_that_names_an_option_plainly_is_never_chatter(knowledge: Knowledge) -> None:
    matcher = index_for(knowledge).matchers["it_capability"]
    assert matcher.match("I'd say strong.").chosen == "strong"


def test_a_text_the_knowledge_calls_chatter_is_never_recorded(knowledge: Knowledge) -> None:
    recorded = [
        (question.id, text)
        for question in knowledge.questions
        for text in knowledge.chatter
        if run_case(knowledge, AnswerCase(0, question.id, text, None)).chosen is not None
    ]
    assert recorded == []
