"""You and your team: one person's own diagnostic answers beside their team's pulse results,
shown to that person only (a Slack modal, a card in their Teams private chat).

Nothing here is about anyone else than the reader beyond what the results already show: the
team's bars are the results' own numbers (`bot.engine.pulse_compare` keeps them unchanged),
and the only individual named is "you".
"""

from __future__ import annotations

from bot.engine.index import KnowledgeIndex
from bot.engine.pulse import OptionResult
from bot.engine.pulse_compare import Comparison, Difference, QuestionComparison
from bot.views import catalogue
from bot.views.document import (
    Bar,
    Bars,
    Chunk,
    Document,
    Element,
    Fact,
    Facts,
    Heading,
    Headline,
    Item,
    Items,
    Paragraph,
    Quote,
    Title,
    Tone,
    pinned,
    say,
    strong,
)

# What stays longest when a platform's limits force a cut (higher stays longer).
MODELS = 90
SCORES = 80
DIFFERENCES = 70
QUESTIONS = 60


def comparison(compared: Comparison, index: KnowledgeIndex) -> Document:
    """Who leans where, the model scores side by side, the questions where the reader differs
    most (each with the article point behind their answer), then every pulse question: their
    answer beside the team's bars."""
    your = compared.your_model.name if compared.your_model else None
    team = compared.team_model.name if compared.team_model else None
    head: list[Element] = [
        Title(catalogue.COMPARE_TITLE),
        Paragraph(say(catalogue.COMPARE_ONLY_YOU), Tone.SUBTLE),
        Headline(catalogue.compare_models(your, team, compared.same_model)),
    ]
    if compared.diagnostic_model is not None:
        head.append(Paragraph(say(catalogue.compare_diagnostic(compared.diagnostic_model.name))))
    chunks = [pinned(*head)]
    if compared.scores:
        facts = tuple(
            Fact(pair.model.name, catalogue.score_pair(_percent(pair.yours), _percent(pair.team)))
            for pair in compared.scores
        )
        chunks.append(Chunk((Heading(catalogue.COMPARE_SCORES_HEADING), Facts(facts)), SCORES))
    chunks += _differences(compared.differences, index)
    chunks += [_question(n, item) for n, item in enumerate(compared.questions, 1)]
    return Document(tuple(chunks), catalogue.pulse_compare_fallback(your))


def _differences(differences: tuple[Difference, ...], index: KnowledgeIndex) -> list[Chunk]:
    if not differences:
        return [
            Chunk(
                (
                    Heading(catalogue.COMPARE_DIFFERENCES_HEADING),
                    Paragraph(say(catalogue.COMPARE_NO_DIFFERENCES)),
                ),
                DIFFERENCES,
            )
        ]
    chunks: list[Chunk] = []
    for n, difference in enumerate(differences, 1):
        item = difference.comparison
        yours = item.yours.label if item.yours else ""
        top = item.team.top
        said = catalogue.compare_difference(
            item.question.prompt, yours, _share_of(top) if top else None
        )
        elements: list[Heading | Items | Paragraph | Quote] = []
        if n == 1:
            elements.append(Heading(catalogue.COMPARE_DIFFERENCES_HEADING))
        elements.append(Items((Item(f"{n}.", say(said)),)))
        if difference.point is not None and difference.toward is not None:
            elements.append(Paragraph(say(strong(catalogue.compare_point(difference.toward.name)))))
            elements.append(Quote(index.snippet_view(difference.point), "↳"))
        chunks.append(Chunk(tuple(elements), DIFFERENCES - n, follows=n > 1))
    return chunks


def _question(n: int, item: QuestionComparison) -> Chunk:
    yours = (
        catalogue.you_answered(item.yours.label) if item.yours else catalogue.COMPARE_YOU_SKIPPED
    )
    bars = Bars(
        tuple(Bar(option.option.label, option.share, option.count) for option in item.team.options)
    )
    heading = [Heading(catalogue.COMPARE_QUESTIONS_HEADING)] if n == 1 else []
    return Chunk(
        (
            *heading,
            Paragraph(say(strong(f"{n}. {item.question.prompt}"))),
            Paragraph(say(yours)),
            bars,
        ),
        QUESTIONS - n,
    )


def _share_of(option: OptionResult) -> str:
    return f"“{option.option.label}” ({_percent(option.share)}%)"


def _percent(share: float) -> int:
    return round(100 * share)
