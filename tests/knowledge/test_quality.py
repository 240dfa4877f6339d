"""Quality warnings: on the bundled knowledge, and on copies edited the way an admin would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, default_knowledge_dir
from bot.knowledge.quality import (
    QualityWarning,
    load_located,
    load_with_warnings,
    quality_warnings,
    warnings_for,
)

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
    warning = QualityWarning("knowledge/questions.yml", 12, "something")
    assert str(warning) == "knowledge/questions.yml:12: warning: something"


def test_bundled_knowledge_only_has_unlinked_snippets() -> None:
    """The bundled knowledge's findings: snippets that no question's `why` cites. Each warning
    points at the snippet's own `- id:` line."""
    knowledge, warnings = load_with_warnings(BUNDLED)
    assert len(knowledge.questions) > 0
    assert warnings == sorted(warnings)
    assert warnings, "expected the known unlinked snippets"
    for warning in warnings:
        assert "is not linked from any question" in warning.message
        snippet_id = warning.message.split("'")[1]
        assert warning.line == line_of(Path(warning.file), f"- id: {snippet_id}\n")


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
    (found,) = [m for m in messages(kdir) if "by position" in m]
    assert found.startswith(f"{questions}:{line}: warning: question 'mandate': synonym")
    assert "read as option 4 by position" in found


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
