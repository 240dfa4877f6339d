"""The knowledge loader on the bundled files and on broken copies of them.

Every broken case copies the bundled folder to a temporary directory, makes one edit as an admin
would, and checks that the loader names the file and the exact line of the mistake. Expected
lines are found by searching the edited text, so the tests follow the knowledge as it evolves.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.knowledge import Knowledge, KnowledgeError, Problem, default_knowledge_dir, load_knowledge
from bot.knowledge.loader import knowledge_files

BUNDLED = default_knowledge_dir()
MODEL_IDS = ("it_led", "business_led", "dedicated", "shared")


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Knowledge:
    return load_knowledge(BUNDLED)


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    """A private, editable copy of the bundled knowledge."""
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED, target)
    return target


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line on which the `occurrence`-th `needle` starts in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.find(needle, start + 1)
        assert start >= 0, f"{needle!r} (occurrence {occurrence}) is not in the text"
    return text.count("\n", 0, start) + 1


def replace(path: Path, old: str, new: str, occurrence: int = 1) -> int:
    """Replace the `occurrence`-th `old` in `path` by `new`; the line where `new` now starts."""
    text = path.read_text(encoding="utf-8")
    line = line_of(text, old, occurrence)
    start = -1
    for _ in range(occurrence):
        start = text.find(old, start + 1)
    path.write_text(text[:start] + new + text[start + len(old) :], encoding="utf-8")
    return line


def insert_after(path: Path, anchor: str, new_lines: str) -> int:
    """Insert `new_lines` (ending in a newline) after the line holding `anchor`; the line
    number of the first inserted line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if anchor in line)
    lines.insert(at + 1, new_lines)
    path.write_text("".join(lines), encoding="utf-8")
    return at + 2


def block(path: Path, first: str, stop: str) -> tuple[int, int, str]:
    """The lines [start, end) from the line holding `first` up to the line holding `stop`
    (exclusive), as (start_index, end_index, text); indexes are 0-based."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if first in line)
    end = next(i for i in range(start + 1, len(lines)) if stop in lines[i])
    return start, end, "".join(lines[start:end])


def problems_of(directory: Path) -> tuple[Problem, ...]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(directory)
    problems = caught.value.problems
    assert problems, "a KnowledgeError must carry at least one problem"
    return problems


def find_problem(problems: tuple[Problem, ...], file: Path, line: int, *words: str) -> Problem:
    """The problem at exactly `file:line` whose message names all `words` (case-insensitive)."""
    for problem in problems:
        message = problem.message.lower()
        if (
            Path(problem.file) == file
            and problem.line == line
            and all(word.lower() in message for word in words)
        ):
            return problem
    listing = "\n".join(str(problem) for problem in problems)
    raise AssertionError(f"no problem at {file.name}:{line} naming {words!r} in:\n{listing}")


# --- the bundled knowledge --------------------------------------------------------------------


def test_bundled_counts(bundled: Knowledge) -> None:
    assert len(bundled.sources) == 4
    assert len(bundled.models) >= 4
    assert set(MODEL_IDS) <= set(bundled.model_ids)
    assert 8 <= len(bundled.questions) <= 12
    for question in bundled.questions:
        assert 3 <= len(question.options) <= 5, question.id
    assert len(bundled.snippets) >= 40
    assert 4 <= len(bundled.pulse_questions) <= 6


def test_bundled_coverage(bundled: Knowledge) -> None:
    sources_with_snippets = {snippet.source for snippet in bundled.snippets}
    for source in bundled.sources:
        assert source.id in sources_with_snippets, f"source {source.id} has no snippet"
    snippet_dimensions = {d for snippet in bundled.snippets for d in snippet.dimensions}
    question_dimensions = {question.dimension for question in bundled.questions}
    for dimension in bundled.dimensions:
        assert dimension.id in snippet_dimensions, f"dimension {dimension.id} has no snippet"
        assert dimension.id in question_dimensions, f"dimension {dimension.id} has no question"
    snippet_models = {m for snippet in bundled.snippets for m in snippet.models}
    for model in bundled.models:
        assert len(model.next_steps) >= 3, model.id
        assert model.id in snippet_models, f"model {model.id} has no snippet"


def test_bundled_lookups(bundled: Knowledge) -> None:
    question = bundled.questions[0]
    assert bundled.question(question.id) is question
    assert bundled.question("no-such-question") is None
    assert bundled.model("it_led") is not None
    for snippet in bundled.snippets:
        assert bundled.source(snippet.source) is not None
    for question in bundled.questions:
        for snippet_id in question.snippets:
            assert bundled.snippet(snippet_id) is not None


def test_version_is_stable_and_follows_content(kdir: Path, bundled: Knowledge) -> None:
    first = load_knowledge(BUNDLED).version
    assert first == load_knowledge(BUNDLED).version == bundled.version
    assert load_knowledge(kdir).version == first, "a copy with the same bytes, the same version"
    for path in knowledge_files(kdir):
        original = path.read_bytes()
        # One byte more: a comment's trailing character changes nothing the loader validates.
        path.write_bytes(original + b"#")
        changed = load_knowledge(kdir).version
        assert changed != first, f"editing {path.name} did not change the version"
        path.write_bytes(original)
    assert load_knowledge(kdir).version == first


def test_knowledge_is_immutable(bundled: Knowledge) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundled.version = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundled.questions = ()  # type: ignore[misc]
    assert isinstance(bundled.questions, tuple)
    question = bundled.questions[0]
    with pytest.raises(ValidationError):
        question.prompt = "changed"  # type: ignore[misc]
    option = question.options[0]
    model_id = next(iter(option.weights))
    with pytest.raises(TypeError):
        option.weights[model_id] = 0  # type: ignore[index]
    with pytest.raises(ValidationError):
        option.weights = {}  # type: ignore[misc]
    assert isinstance(option.synonyms, tuple)


# --- broken knowledge, one mistake at a time --------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """One breaking edit: `edit(folder)` returns the file and line of the mistake."""

    edit: Callable[[Path], tuple[Path, int]]
    words: tuple[str, ...]


def _bad_indentation(d: Path) -> tuple[Path, int]:
    path = d / "sources.yml"
    return path, replace(path, '    title: "The Organizational Gap"', '   title: "The Gap"')


def _over_indentation(d: Path) -> tuple[Path, int]:
    path = d / "dimensions.yml"
    return path, replace(path, '    name: "Time horizon"', '      name: "Time horizon"')


def _tab_indentation(d: Path) -> tuple[Path, int]:
    path = d / "dimensions.yml"
    return path, replace(path, '    name: "Time horizon"', '\tname: "Time horizon"')


def _unknown_top_level_key(d: Path) -> tuple[Path, int]:
    path = d / "sources.yml"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nwidgets:\n  - id: gadget\n")
    return path, line_of(path.read_text(encoding="utf-8"), "widgets:")


def _entry_not_a_mapping(d: Path) -> tuple[Path, int]:
    path = d / "sources.yml"
    with path.open("a", encoding="utf-8") as handle:
        handle.write('\n  - "just a title"\n')
    return path, line_of(path.read_text(encoding="utf-8"), '- "just a title"')


def _missing_prompt(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    text = path.read_text(encoding="utf-8")
    # The loader reports a missing field at the line where its entry starts: the `- id:` line.
    entry_line = line_of(text, "  - id: reporting_line")
    lines = text.splitlines(keepends=True)
    prompt = next(i for i in range(entry_line, len(lines)) if lines[i].startswith("    prompt:"))
    assert lines[prompt + 1].startswith("    "), "the prompt fits on one line"
    del lines[prompt]
    path.write_text("".join(lines), encoding="utf-8")
    return path, entry_line


def _weight_not_a_number(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "weights: {it_led: 3}", "weights: {it_led: high}")


def _weight_out_of_range(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "weights: {it_led: 3}", "weights: {it_led: 7}")


def _unknown_field(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "synonyms:", "synonym:", occurrence=3)


def _label_too_long(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    text = path.read_text(encoding="utf-8")
    start = text.find('label: "', text.find("  - id: ai_maturity"))
    end = text.index('"', start + len('label: "'))
    long_label = "x" * 76
    path.write_text(text[:start] + f'label: "{long_label}' + text[end:], encoding="utf-8")
    return path, text.count("\n", 0, start) + 1


def _too_few_options(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    text = path.read_text(encoding="utf-8")
    question = text.find("  - id: culture")
    options_line = text.count("\n", 0, text.find("    options:", question)) + 1
    # Keep the first two options of `culture`: drop from its third option to the next question.
    lines = text.splitlines(keepends=True)
    option_starts = [
        i for i in range(options_line, len(lines)) if lines[i].startswith("      - id: ")
    ]
    next_question = next(
        i for i in range(options_line, len(lines)) if lines[i].startswith("  - id: ")
    )
    cut = [i for i in option_starts if i < next_question][2]
    del lines[cut:next_question]
    lines.insert(cut, "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path, options_line


def _duplicate_question_across_files(d: Path) -> tuple[Path, int]:
    source = d / "questions.yml"
    _, _, question = block(source, "  - id: mandate", "  - id: ai_maturity")
    extra = d / "zz_extra.yml"
    extra.write_text("# an admin copied a question\nquestions:\n" + question, encoding="utf-8")
    return extra, 3


def _duplicate_option_id(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "      - id: pain_points", "      - id: platform")


def _unknown_snippet(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "snippets: [s000-mandate-value", "snippets: [s999-nowhere")


def _snippet_unknown_source(d: Path) -> tuple[Path, int]:
    path = d / "snippets" / "000_ai_vs_it.yml"
    return path, replace(path, "source: ai-vs-it", "source: ai-vs-ti", occurrence=2)


def _snippet_unknown_dimension(d: Path) -> tuple[Path, int]:
    path = d / "snippets" / "000_ai_vs_it.yml"
    return path, replace(path, "dimensions: [mandate]", "dimensions: [mandat]")


def _snippet_unknown_model(d: Path) -> tuple[Path, int]:
    path = d / "snippets" / "000_ai_vs_it.yml"
    return path, replace(path, "models: [dedicated]", "models: [dedicatd]")


def _model_unknown_source(d: Path) -> tuple[Path, int]:
    path = d / "models.yml"
    return path, replace(path, "sources: [it-must-lead]", "sources: [it-must-leed]")


def _weight_unknown_model(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "weights: {it_led: 3}", "weights: {it_lead: 3}")


def _all_weights_zero(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "weights: {dedicated: 3}", "weights: {dedicated: 0}")


def _unreachable_model(d: Path) -> tuple[Path, int]:
    path = d / "models.yml"
    _, _, model = block(path, "  - id: it_led", "  - id: business_led")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + model.replace("  - id: it_led", "  - id: orphan", 1))
    return path, line_of(path.read_text(encoding="utf-8"), "  - id: orphan")


def _duplicate_yaml_key(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, insert_after(path, "    pulse: true", "    pulse: false\n")


def _not_utf8(d: Path) -> tuple[Path, int]:
    # A Latin-1 editor saved one name: the mistake is on that line, not on line 1.
    path = d / "dimensions.yml"
    data = path.read_bytes()
    old = b"Time horizon"
    at = data.index(old)
    latin1 = "Time horizon (d\u00e9lai)".encode("latin-1")
    path.write_bytes(data[:at] + latin1 + data[at + len(old) :])
    return path, data.count(b"\n", 0, at) + 1


def _opposite_elsewhere(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "opposite: light", "opposite: strong")


def _combines_unknown(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "combines: [it_ops, business_owner]", "combines: [it_ops, nobody]")


def _combines_one(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "combines: [it_ops, business_owner]", "combines: [it_ops]")


def _basis_unweighted_model(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    old = "basis: {it_led: [s002-it-nexus, s002-step-up]}"
    return path, replace(path, old, "basis: {dedicated: [s002-it-nexus]}")


def _basis_unknown_snippet(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    old = "basis: {it_led: [s002-it-nexus, s002-step-up]}"
    return path, replace(path, old, "basis: {it_led: [s002-nowhere]}")


def _days_backwards(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    return path, replace(path, "days: {min: 0, max: 60}", "days: {min: 60, max: 10}")


def _ask_only_not_a_boolean(d: Path) -> tuple[Path, int]:
    path = d / "snippets" / "000_ai_vs_it.yml"
    return path, insert_after(path, "  - id: s000-mandate-value", "    ask_only: sometimes\n")


def _description_too_long(d: Path) -> tuple[Path, int]:
    path = d / "questions.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index('description: "About three months')
    end = text.index("\n", start)
    path.write_text(text[:start] + f'description: "{"x" * 401}"' + text[end:], encoding="utf-8")
    return path, text.count("\n", 0, start) + 1


def _advice_unknown_option(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, replace(path, "regulation: [high_stakes]}", "regulation: [high_stake]}")


def _advice_unknown_question(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, replace(path, "when: {risk_posture: [unused]}", "when: {risk: [unused]}")


def _advice_bad_horizon(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, replace(path, "horizon: 60", "horizon: 45")


def _tension_toward_unknown_model(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, replace(path, "toward: shared", "toward: sharing")


def _tension_under_its_own_model(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, insert_after(path, "    toward: shared", "    under: [shared]\n")


def _stage_signal_unknown_option(d: Path) -> tuple[Path, int]:
    path = d / "advice.yml"
    return path, replace(path, "operations_model: {mlops: 1}", "operations_model: {ml_ops: 1}")


def _unblock_too_long(d: Path) -> tuple[Path, int]:
    path = d / "dimensions.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    unblock:")
    end = text.index("\n", start)
    path.write_text(text[:start] + f'    unblock: "{"x" * 2001}"' + text[end:], encoding="utf-8")
    return path, text.count("\n", 0, start) + 1


BROKEN: dict[str, Broken] = {
    "step names an unknown option": Broken(
        _advice_unknown_option, ("question 'regulation' has no option 'high_stake'",)
    ),
    "step names an unknown question": Broken(
        _advice_unknown_question, ("unknown question 'risk'",)
    ),
    "step with a horizon not 30, 60 or 90": Broken(_advice_bad_horizon, ("horizon", "60")),
    "tension toward an unknown model": Broken(
        _tension_toward_unknown_model, ("unknown model 'sharing'",)
    ),
    "tension under the model it pulls toward": Broken(
        _tension_under_its_own_model, ("under 'shared'", "pulls toward")
    ),
    "stage signal names an unknown option": Broken(
        _stage_signal_unknown_option, ("has no option 'ml_ops'",)
    ),
    "unblock too long": Broken(_unblock_too_long, ("unblock", "2000")),
    "bad indentation": Broken(_bad_indentation, ("YAML syntax",)),
    "over-indented key": Broken(_over_indentation, ("YAML syntax",)),
    "tab indentation": Broken(_tab_indentation, ("YAML syntax", "\\t")),
    "unknown top-level key": Broken(_unknown_top_level_key, ("unknown key", "widgets")),
    "entry not a mapping": Broken(_entry_not_a_mapping, ("source #5", "dictionary")),
    "missing required field": Broken(_missing_prompt, ("reporting_line", "prompt", "required")),
    "weight not a number": Broken(_weight_not_a_number, ("weights.it_led", "integer")),
    "weight out of range": Broken(_weight_out_of_range, ("weights.it_led", "less than or equal")),
    "unknown field": Broken(_unknown_field, ("synonym", "extra")),
    "label too long": Broken(_label_too_long, ("label", "75 characters")),
    "too few options": Broken(_too_few_options, ("culture", "options", "at least 3")),
    "duplicate question id across files": Broken(
        _duplicate_question_across_files, ("duplicate question id 'mandate'", "questions.yml:9")
    ),
    "duplicate option id": Broken(_duplicate_option_id, ("duplicate option id 'platform'",)),
    "question references unknown snippet": Broken(_unknown_snippet, ("unknown snippet",)),
    "snippet references unknown source": Broken(_snippet_unknown_source, ("unknown source",)),
    "snippet references unknown dimension": Broken(
        _snippet_unknown_dimension, ("unknown dimension 'mandat'",)
    ),
    "snippet references unknown model": Broken(_snippet_unknown_model, ("unknown model",)),
    "model references unknown source": Broken(_model_unknown_source, ("unknown source",)),
    "option weighs unknown model": Broken(_weight_unknown_model, ("unknown model 'it_lead'",)),
    "option with all weights 0": Broken(_all_weights_zero, ("weight above 0",)),
    "unreachable model": Broken(_unreachable_model, ("orphan", "unreachable")),
    "duplicate yaml key": Broken(_duplicate_yaml_key, ("duplicate key 'pulse'",)),
    "not utf-8": Broken(_not_utf8, ("UTF-8",)),
    "opposite outside the question": Broken(_opposite_elsewhere, ("opposite 'strong'",)),
    "combines an unknown option": Broken(_combines_unknown, ("combines 'nobody'",)),
    "combines a single option": Broken(_combines_one, ("at least two",)),
    "basis for a model not weighed": Broken(_basis_unweighted_model, ("basis for 'dedicated'",)),
    "basis names an unknown snippet": Broken(_basis_unknown_snippet, ("unknown snippet",)),
    "days max below min": Broken(_days_backwards, ("max (10) is below min (60)",)),
    "description too long": Broken(_description_too_long, ("description", "400")),
    "ask_only not a boolean": Broken(_ask_only_not_a_boolean, ("ask_only", "boolean")),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_broken_knowledge_names_file_and_line(kdir: Path, case: str) -> None:
    broken = BROKEN[case]
    path, line = broken.edit(kdir)
    problems = problems_of(kdir)
    find_problem(problems, path, line, *broken.words)


def test_an_ask_only_snippet_cannot_be_linked(kdir: Path) -> None:
    """`ask_only: true` says a snippet is background for `ask`: a question's `snippets` or an
    option's `basis` naming it contradicts that, at the line of the link."""
    snippets = kdir / "snippets" / "000_ai_vs_it.yml"
    insert_after(snippets, "  - id: s000-mandate-value", "    ask_only: true\n")
    questions = kdir / "questions.yml"
    text = questions.read_text(encoding="utf-8")
    problems = problems_of(kdir)
    listed = line_of(text, "snippets: [s000-mandate-value")
    find_problem(problems, questions, listed, "question 'mandate' lists", "`snippets`", "ask_only")
    in_basis = line_of(text, "basis: {dedicated: [s000-mandate-value")
    words = ("option 'new_value' names snippet 's000-mandate-value' in `basis`", "ask_only")
    find_problem(problems, questions, in_basis, *words)
    assert len(problems) == 2, problems


def test_the_extra_file_names_the_first_definition_exactly(kdir: Path) -> None:
    path, line = _duplicate_question_across_files(kdir)
    first_line = line_of((kdir / "questions.yml").read_text(encoding="utf-8"), "  - id: mandate")
    problem = find_problem(problems_of(kdir), path, line, "duplicate question id")
    assert f"{kdir / 'questions.yml'}:{first_line}" in problem.message


def test_missing_field_line_is_within_the_entry(kdir: Path) -> None:
    path, entry_line = _missing_prompt(kdir)
    text = path.read_text(encoding="utf-8")
    next_entry = line_of(text, "  - id: talent_model")
    problem = next(p for p in problems_of(kdir) if "prompt" in p.message)
    assert entry_line <= problem.line < next_entry


def test_unclosed_quote_is_reported_near_the_quote(kdir: Path) -> None:
    # YAML cannot tell where a quote should have ended: the next `"` closes it, and the parser
    # notices the damage a line or two later. The report must point there, not far away.
    path = kdir / "sources.yml"
    line = replace(path, 'title: "The Organizational Gap"', 'title: "The Organizational Gap')
    problems = [p for p in problems_of(kdir) if Path(p.file) == path]
    assert len(problems) == 1, problems
    (problem,) = problems
    assert "YAML syntax" in problem.message
    assert line <= problem.line <= line + 3


def test_a_top_level_list_is_not_a_knowledge_file(kdir: Path) -> None:
    (kdir / "stray.yml").write_text("- id: a\n- id: b\n", encoding="utf-8")
    find_problem(problems_of(kdir), kdir / "stray.yml", 1, "expected a mapping")


def test_an_empty_file_is_allowed(kdir: Path, bundled: Knowledge) -> None:
    (kdir / "empty.yml").write_text("# nothing yet\n", encoding="utf-8")
    knowledge = load_knowledge(kdir)
    assert len(knowledge.questions) == len(bundled.questions)


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not yaml", encoding="utf-8")
    (problem,) = problems_of(tmp_path)
    assert problem.file == str(tmp_path)
    assert "no .yml files" in problem.message


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    (problem,) = problems_of(missing)
    assert problem.file == str(missing)
    assert "not found" in problem.message


def test_a_folder_without_questions(tmp_path: Path) -> None:
    shutil.copy(BUNDLED / "sources.yml", tmp_path / "sources.yml")
    problems = problems_of(tmp_path)
    assert any("no models defined" in p.message for p in problems)


def test_yaml_extension_and_subfolders_are_read(kdir: Path, bundled: Knowledge) -> None:
    nested = kdir / "more" / "deeper"
    nested.mkdir(parents=True)
    (kdir / "dimensions.yml").rename(nested / "dimensions.yaml")
    knowledge = load_knowledge(kdir)
    assert [d.id for d in knowledge.dimensions] == [d.id for d in bundled.dimensions]


def test_the_tests_folder_is_not_knowledge(kdir: Path, bundled: Knowledge) -> None:
    tests = kdir / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "answers.yml").write_text("- question: [not, knowledge\n", encoding="utf-8")
    knowledge = load_knowledge(kdir)
    assert knowledge.version == load_knowledge(BUNDLED).version
    assert len(knowledge.questions) == len(bundled.questions)


def _dimension_unknown_field(d: Path) -> tuple[Path, int]:
    path = d / "dimensions.yml"
    return path, replace(path, "    description:", "    descripton:", occurrence=2)


def test_every_mistake_is_reported_at_once_sorted(kdir: Path) -> None:
    edits = [
        _duplicate_yaml_key,  # first: it inserts a line, and later edits count lines after it
        _weight_out_of_range,
        _snippet_unknown_model,
        _model_unknown_source,
        _dimension_unknown_field,
    ]
    expected = [edit(kdir) for edit in edits]
    problems = problems_of(kdir)
    for path, line in expected:
        find_problem(problems, path, line)
    assert list(problems) == sorted(problems, key=lambda p: (p.file, p.line, p.message))
    files = {Path(p.file).name for p in problems}
    assert {"questions.yml", "000_ai_vs_it.yml", "models.yml", "dimensions.yml"} <= files
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kdir)
    rendered = str(caught.value).splitlines()
    assert rendered == [str(p) for p in problems]


def test_unreadable_files_are_reported_without_a_cascade(kdir: Path) -> None:
    # A file that cannot be parsed hides its entries; the loader must not then report every
    # reference to them as unknown, which would bury the real mistakes.
    expected = [_tab_indentation(kdir), _bad_indentation(kdir), _weight_out_of_range(kdir)]
    problems = problems_of(kdir)
    for path, line in expected:
        find_problem(problems, path, line)
    assert len(problems) == len(expected), "\n".join(str(p) for p in problems)


# --- example answers (knowledge/examples/) ----------------------------------------------------


def test_bundled_example_answers_belong_to_their_options(bundled: Knowledge) -> None:
    for question in bundled.questions:
        answers = bundled.example_answers(question.id)
        assert set(answers) == {option.id for option in question.options}, question.id
        assert all(len(texts) >= 10 for texts in answers.values()), question.id


def test_example_answers_from_several_files_add_up(kdir: Path, bundled: Knowledge) -> None:
    (kdir / "examples" / "more.yml").write_text(
        'examples:\n  - question: mandate\n    options:\n      platform: ["one backbone"]\n',
        encoding="utf-8",
    )
    knowledge = load_knowledge(kdir)
    before = bundled.example_answers("mandate")["platform"]
    assert knowledge.example_answers("mandate")["platform"] == (*before, "one backbone")
    assert knowledge.version != bundled.version


def test_example_answers_name_a_real_question_and_option(kdir: Path) -> None:
    extra = kdir / "examples" / "wrong.yml"
    extra.write_text(
        "examples:\n"
        "  - question: mandate\n"
        "    options:\n"
        "      platform: [fine]\n"
        "      nowhere: [lost]\n"
        "  - question: no_such_question\n"
        "    options:\n"
        "      platform: [lost]\n"
        "  - question: mandate\n"
        "    options:\n"
        f"      platform: [{'x' * 501}]\n",
        encoding="utf-8",
    )
    problems = problems_of(kdir)
    find_problem(problems, extra, 5, "no option 'nowhere'")
    find_problem(problems, extra, 6, "unknown question 'no_such_question'")
    find_problem(problems, extra, 11, "examples of 'mandate'", "500 characters")
    assert len(problems) == 3


def test_example_answers_per_option_are_bounded(kdir: Path) -> None:
    extra = kdir / "examples" / "many.yml"
    many = ", ".join(f'"answer {i}"' for i in range(201))
    extra.write_text(
        f"examples:\n  - question: mandate\n    options:\n      platform: [{many}]\n",
        encoding="utf-8",
    )
    (problem,) = problems_of(kdir)
    assert problem.file == str(extra)
    assert "at most 200" in problem.message


def test_not_answers_are_loaded_and_checked(kdir: Path, bundled: Knowledge) -> None:
    assert len(bundled.chatter) >= 500
    extra = kdir / "more_chatter.yml"
    extra.write_text(
        'not_answers:\n  - texts: ["qqq lunch?", "QQQ LUNCH?", "qqq lunch?"]\n', encoding="utf-8"
    )
    knowledge = load_knowledge(kdir)
    assert knowledge.chatter.count("qqq lunch?") == 1  # a repeat counts once
    assert "QQQ LUNCH?" in knowledge.chatter
    extra.write_text("not_answers:\n  - texts: []\n", encoding="utf-8")
    (problem,) = problems_of(kdir)
    assert problem.file == str(extra)
    assert problem.line == 2
    assert "not_answer #1" in problem.message


# --- hostile files: refused with their line, quickly --------------------------------------------

ALIAS_BOMB = (
    'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("sources: []\n# a NUL \x00 here\n", 2, ("nul",)),
        (ALIAS_BOMB, 1, ("aliases",)),
        ("a: &loop\n  b: *loop\n", 1, ("aliases",)),
        ("deep: " + "[" * 5000 + "]" * 5000 + "\n", 1, ("nested deeper",)),
    ],
)
def test_hostile_yaml_is_refused_at_its_line(
    kdir: Path, text: str, line: int, words: tuple[str, ...]
) -> None:
    hostile = kdir / "hostile.yml"
    hostile.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    problems = problems_of(kdir)
    assert time.perf_counter() - started < 5  # the bomb is never expanded
    find_problem(problems, hostile, line, *words)


def test_a_file_too_big_is_refused_unread(kdir: Path) -> None:
    big = kdir / "big.yml"
    big.write_text("# " + "x" * (3 * 1024 * 1024) + "\n", encoding="utf-8")
    problem = find_problem(problems_of(kdir), big, 1, "at most")
    assert "bytes" in problem.message


def test_a_folder_too_big_in_all_is_refused(kdir: Path) -> None:
    for n in range(6):
        (kdir / f"padding{n}.yml").write_text("# " + "x" * (2 * 1024 * 1024 - 10) + "\n")
    (problem,) = problems_of(kdir)
    assert "in all" in problem.message
    assert Path(problem.file) == kdir


def test_an_empty_models_file_is_one_problem_at_that_file(kdir: Path) -> None:
    models = kdir / "models.yml"
    models.write_text("", encoding="utf-8")
    (problem,) = problems_of(kdir)
    assert (Path(problem.file), problem.line) == (models, 1)
    assert problem.message == "no models defined: the file holds none"


def test_a_missing_dimensions_file_is_one_problem_naming_it(kdir: Path) -> None:
    (kdir / "dimensions.yml").unlink()
    (problem,) = problems_of(kdir)
    assert Path(problem.file) == kdir / "dimensions.yml"
    assert problem.message == "no dimensions defined: dimensions.yml is missing"


# --- where a reader can find a source -----------------------------------------------------------

SOURCE_AUTHOR = '    author: "Jay Banlasan"\n'


def test_a_source_may_say_where_and_when_it_was_published(kdir: Path) -> None:
    replace(
        kdir / "sources.yml",
        SOURCE_AUTHOR,
        SOURCE_AUTHOR + '    url: "https://example.com/ai-ops%28not-it%29"\n'
        '    publisher: "The AI Systems Guy"\n'
        "    published: 2024-05-01\n",
    )

    source = load_knowledge(kdir).source("ai-ops-not-it")

    assert source is not None
    assert source.url == "https://example.com/ai-ops%28not-it%29"
    assert (source.publisher, str(source.published)) == ("The AI Systems Guy", "2024-05-01")
    assert load_knowledge(BUNDLED).source("ai-ops-not-it").url is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "field",
    [
        'url: "javascript:alert(1)"',
        'url: "https://example.com/a b"',
        'url: "https://example.com/x>y"',
        'url: "https://example.com/x|y"',
        'url: "https://example.com/(x)"',
        'url: "ftp://example.com/file"',
        f'url: "https://example.com/{"x" * 500}"',
        "published: 2024-13-40",
        "published: yesterday",
    ],
)
def test_a_source_link_or_date_that_cannot_be_shown_safely_is_refused_at_its_line(
    kdir: Path, field: str
) -> None:
    line = replace(kdir / "sources.yml", SOURCE_AUTHOR, SOURCE_AUTHOR + f"    {field}\n") + 1

    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kdir)

    assert [(Path(p.file).name, p.line) for p in raised.value.problems] == [("sources.yml", line)]
