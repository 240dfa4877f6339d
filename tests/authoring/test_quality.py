"""Quality warnings: on the bundled knowledge, and on copies edited the way an admin would."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest

from bot.authoring.quality import (
    KIND_NAMES,
    QualityWarning,
    WarningKind,
    load_located,
    load_with_warnings,
    quality_warnings,
    summary,
    warnings_for,
)
from bot.knowledge import KnowledgeError, default_knowledge_dir
from testing.fakes.knowledge_folder import ADDED_SNIPPET, add_snippet

BUNDLED = default_knowledge_dir()


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED, target)
    return target


def insert_after(path: Path, anchor: str, new_line: str) -> int:
    """Insert `new_line` after the first line equal to `anchor`; its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    lines.insert(index + 1, new_line + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return index + 2


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(needle)) + 1


def messages(directory: Path) -> list[str]:
    return [str(warning) for warning in quality_warnings(directory)]


def test_warning_format() -> None:
    warning = QualityWarning("knowledge/questions.yml", 12, "something", "no_synonyms")
    assert str(warning) == "knowledge/questions.yml:12: warning: something"


def test_bundled_knowledge_has_no_warnings() -> None:
    """A new admin's first `advisor knowledge check` is clean: every snippet is linked from a
    question's `snippets` or marked `ask_only`, and nothing else is weak."""
    knowledge, warnings = load_with_warnings(BUNDLED)
    assert len(knowledge.questions) > 0
    assert warnings == [], "\n".join(str(warning) for warning in warnings)
    # The bundled background points exist, and no question or option cites them (the loader
    # refuses that; this says the bundled data does not rely on it being a warning).
    background = {snippet.id for snippet in knowledge.snippets if snippet.ask_only}
    assert background
    for question in knowledge.questions:
        assert not background & set(question.snippets), question.id
        for option in question.options:
            assert not background & {s for ids in option.basis.values() for s in ids}


def test_an_unlinked_snippet_warns_at_its_id_unless_ask_only(kdir: Path) -> None:
    add_snippet(kdir)
    added = kdir / "snippets" / "999_added.yml"
    (warning,) = quality_warnings(kdir)
    assert warning.kind == "unlinked_snippet"
    assert (Path(warning.file), warning.line) == (added, line_of(added, f"- id: {ADDED_SNIPPET}"))
    assert f"snippet '{ADDED_SNIPPET}' is not linked" in warning.message
    assert "`ask_only: true`" in warning.message  # the way out, for a background point
    with added.open("a", encoding="utf-8") as file:
        file.write("    ask_only: true\n")
    assert quality_warnings(kdir) == []


def test_the_summary_counts_warnings_by_kind() -> None:
    def some(kind: WarningKind, count: int) -> list[QualityWarning]:
        return [QualityWarning("k.yml", line, "m", kind) for line in range(count)]

    assert summary([]) == "no warnings"
    assert summary(some("unlinked_snippet", 1)) == "1 warning: 1 unlinked snippet"
    mixed = [*some("no_synonyms", 1), *some("unlinked_snippet", 2)]
    assert summary(mixed) == "3 warnings: 2 unlinked snippets, 1 option without synonyms"
    # Equal counts: in the order of KIND_NAMES (the order of the checks), not alphabetical.
    tied = [*some("model_without_snippet", 2), *some("same_phrase", 2)]
    expected = "4 warnings: 2 phrases shared by two options, 2 models without snippets"
    assert summary(tied) == expected


def test_every_kind_of_warning_has_a_name() -> None:
    assert set(KIND_NAMES) == set(get_args(WarningKind))


def test_option_without_synonyms(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    start = text.index("      - id: platform")
    block_start = text.index("        synonyms:", start)
    block_end = text.index("        weights:", start)
    questions.write_text(text[:block_start] + text[block_end:], encoding="utf-8")
    line = line_of(questions, "      - id: platform")
    expected = f"{questions}:{line}: warning: question 'mandate': option 'platform' has no synonyms"
    assert any(message.startswith(expected) for message in messages(kdir))


@pytest.mark.parametrize(
    ("added", "earlier"),
    [
        ('          - "growth"', "synonym \"growth\" of option 'new_value'"),
        ('          - "Growth!"', "synonym \"growth\" of option 'new_value'"),  # case, punctuation
        ('          - "the new products"', "synonym \"new products\" of option 'new_value'"),
        (
            '          - "Creates new value and competitive advantages"',  # plurals, stopwords
            "label \"Create new value and competitive advantage\" of option 'new_value'",
        ),
    ],
)
def test_colliding_phrases_of_two_options(kdir: Path, added: str, earlier: str) -> None:
    questions = kdir / "questions.yml"
    # Added to `some_of_each`, after `new_value`: the later phrase is the one reported.
    line = insert_after(questions, '          - "bit of each"', added)
    found = [m for m in messages(kdir) if m.startswith(f"{questions}:{line}: warning:")]
    assert len(found) == 1, messages(kdir)
    assert "option 'some_of_each' reads the same as" in found[0]
    assert earlier in found[0]
    assert "always asked back" in found[0]


def test_a_negated_synonym_does_not_collide_with_its_positive(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    # `not_started` has "no AI yet", which the matcher reads as "not AI".
    insert_after(questions, '          - "pilots"', '          - "AI"')
    assert not [m for m in messages(kdir) if "reads the same" in m]


def test_the_same_phrase_twice_in_one_option_is_fine(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    insert_after(questions, '          - "scale"', '          - "Scales"')
    assert not [m for m in messages(kdir) if "reads the same" in m]


def test_a_synonym_read_as_a_position(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    line = insert_after(questions, '          - "scale"', '          - "the last one"')
    (found,) = [w for w in quality_warnings(kdir) if "by position" in w.message]
    assert str(found).startswith(f"{questions}:{line}: warning: question 'mandate': synonym")
    assert "read as option 4 by position" in found.message
    assert found.kind == "positional_synonym"


def test_dimension_without_snippets(kdir: Path) -> None:
    dimensions = kdir / "dimensions.yml"
    with dimensions.open("a", encoding="utf-8") as file:
        file.write('\n  - id: budget\n    name: "Budget"\n    description: "Who pays."\n')
    (found,) = [m for m in messages(kdir) if "warning: dimension" in m]
    line = line_of(dimensions, "  - id: budget")
    assert found.startswith(f"{dimensions}:{line}: warning: dimension 'budget' has no snippet")


def test_model_without_snippets() -> None:
    _, entries = load_located(BUNDLED)
    entries["snippets"] = [s for s in entries["snippets"] if "shared" not in s.entry.models]
    found = [w for w in warnings_for(entries) if w.message.startswith("model 'shared'")]
    (warning,) = found
    assert warning.file.endswith("models.yml")
    assert warning.line == line_of(Path(warning.file), "- id: shared")
    assert "no supporting points" in warning.message


def test_option_without_description(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    start = text.index("      - id: platform")
    line_start = text.index("        description:", start)
    line_end = text.index("\n", line_start) + 1
    questions.write_text(text[:line_start] + text[line_end:], encoding="utf-8")
    line = line_of(questions, "      - id: platform")
    expected = (
        f"{questions}:{line}: warning: question 'mandate': option 'platform' has no description"
    )
    assert any(message.startswith(expected) for message in messages(kdir))


def test_strong_weight_without_basis(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    old = "        basis: {it_led: [s002-it-nexus, s002-step-up]}\n"
    questions.write_text(text.replace(old, "", 1), encoding="utf-8")
    line = line_of(questions, "weights: {it_led: 3}")
    found = [m for m in messages(kdir) if m.startswith(f"{questions}:{line}: warning:")]
    assert len(found) == 1, messages(kdir)
    assert "option 'platform' weighs 'it_led' 3 with no basis" in found[0]


def test_options_too_close_in_meaning(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    start = text.index("      - id: pain_points")
    end = text.index("        weights:", start)
    copy = text[
        text.index("        label:", text.index("      - id: platform")) : text.index(
            "        weights:", text.index("      - id: platform")
        )
    ]
    questions.write_text(
        text[:start] + "      - id: pain_points\n" + copy + text[end:], encoding="utf-8"
    )
    found = [m for m in messages(kdir) if "too close in meaning" in m]
    assert len(found) == 1, messages(kdir)
    assert "options 'platform' and 'pain_points'" in found[0]
    assert found[0].startswith(f"{questions}:{line_of(questions, '      - id: pain_points')}:")


def test_knowledge_that_does_not_load_raises_its_errors(kdir: Path) -> None:
    questions = kdir / "questions.yml"
    questions.write_text(
        questions.read_text(encoding="utf-8").replace("dimension: mandate", "dimension: nope"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="unknown dimension 'nope'"):
        quality_warnings(kdir)
