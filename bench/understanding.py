"""How well free-text answers are understood, side by side, and what it costs.

    python -m bench.understanding              # full run
    python -m bench.understanding --quick      # fewer timing rounds
    python -m bench.understanding --json out.json

1. Accuracy by kind on the blind held-out answer sets of `knowledge/tests/` (and the bundled
   examples), for three matchers on the same answers: this one; the matcher of an earlier
   revision (`--baseline`, default the last one before the meaning stage), run from
   `git archive` with its own knowledge in a subprocess; and the Bot Framework's own free-text
   choice recognizer (botbuilder-dialogs `ChoiceRecognizers.recognize_choices`) given the option
   labels. Then the blind development sets, whose answers are the knowledge's example answers,
   each scored cross-validated: with example answers from the other development sets only.
2. The personas of `knowledge/tests/personas.yml`: recommendations as argued, extra turns.
3. The cost of a match call (the matcher plus the top-3 snippet search, what `advisor match`
   does) at the bundled knowledge and with 100, 1,000 and 10,000 more snippets, each linked to
   an option so that the meaning stage grows too; beside it the same job done by difflib.
4. Start-up: a fresh process importing the engine, loading the knowledge and building its index.

It prints a report and exits 0: bars are read by people, not asserted.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from bot.authoring.answer_tests import AnswerCase, read_cases, run_case
from bot.authoring.personas import BUNDLED_PERSONAS, play, read_personas
from bot.engine.index import KnowledgeIndex, index_for
from bot.knowledge import Knowledge, default_knowledge_dir, load_knowledge

REPO = Path(__file__).resolve().parent.parent
BASELINE = "c481ec5"  # the matcher before clauses, negation scopes and meaning
# The blind held-out parts: never read, never learnt from, only scored.
HELD_OUT = ("answers_test.yml", "answers_holdout.yml")
# The blind development parts: their answers are the knowledge's example answers
# (knowledge/examples/), so each is scored cross-validated, with examples from the others only.
DEVELOPMENT = ("answers_dev.yml", "answers_dev_extra.yml", "answers_dev3.yml", "answers_dev4.yml")
# Kinds of development answers kept as example answers (typos and positions teach nothing).
EXAMPLE_KINDS = ("paraphrase", "long", "negation", "hedged")
KINDS = ("paraphrase", "long", "negation", "hedged", "ordinal", "typo", "off_topic", "question")
GROWTH = (0, 100, 1_000, 10_000)

# Run inside the baseline's own tree: its matcher on its own knowledge, one JSON line out.
_OLD_RUNNER = """
import json, sys
from pathlib import Path
from bot.knowledge import load_knowledge
from bot.authoring.answer_tests import AnswerCase, run_case
knowledge = load_knowledge(Path(sys.argv[1]) / "knowledge")
cases = json.loads(sys.stdin.read())
print(json.dumps([run_case(knowledge, AnswerCase(0, q, a, None)).chosen for q, a in cases]))
"""


@dataclass(frozen=True)
class Tally:
    total: int = 0
    correct: int = 0
    wrong: int = 0

    def add(self, expected: str | None, chosen: str | None) -> Tally:
        good = chosen == expected
        bad = chosen is not None and not good
        return Tally(self.total + 1, self.correct + good, self.wrong + bad)

    def cell(self) -> str:
        if not self.total:
            return "-"
        return f"{100 * self.correct / self.total:5.1f}% {100 * self.wrong / self.total:4.1f}%"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old matcher")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    knowledge = load_knowledge(default_knowledge_dir())
    figures: dict[str, Any] = {"knowledge": knowledge.version, "baseline": args.baseline}
    figures["accuracy"] = accuracy(knowledge, args.baseline)
    figures["cross_validated"] = cross_validated()
    figures["chatter"] = chatter(knowledge)
    figures["personas"] = personas(knowledge)
    figures["speed"] = speed(knowledge, rounds=2 if args.quick else 5)
    figures["start_up"] = start_up()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


# --- 1. accuracy ---------------------------------------------------------------------------


def accuracy(knowledge: Knowledge, baseline: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    tests = default_knowledge_dir() / "tests"
    for name in (*HELD_OUT, "answers.yml"):
        cases, problems = read_cases(tests / name)
        if problems:
            print(f"{name}: {len(problems)} problem(s), skipped")
            continue
        sides = {
            "this": [run_case(knowledge, case).chosen for case in cases],
            f"git {baseline}": old_choices(baseline, cases),
            "botbuilder": botbuilder_choices(knowledge, cases),
        }
        results[name] = print_accuracy(name, cases, sides)
    return results


def cross_validated() -> dict[str, Any]:
    """Each development part scored by this matcher with the example answers rebuilt from the
    other parts only: how well answers it has not learnt from are understood."""
    tests = default_knowledge_dir() / "tests"
    parts = {name: read_cases(tests / name)[0] for name in DEVELOPMENT}
    results: dict[str, Any] = {}
    every: list[AnswerCase] = []
    chosen: list[str | None] = []
    for name, cases in parts.items():
        others = [case for other, more in parts.items() if other != name for case in more]
        with tempfile.TemporaryDirectory() as folder:
            knowledge = knowledge_learning_from(Path(folder), others)
            picks = [run_case(knowledge, case).chosen for case in cases]
        results[name] = print_accuracy(f"{name}, cross-validated", cases, {"this": picks})
        every += cases
        chosen += picks
    title = "all development parts, cross-validated"
    results["all"] = print_accuracy(title, every, {"this": chosen})
    return results


def knowledge_learning_from(folder: Path, cases: Sequence[AnswerCase]) -> Knowledge:
    """The bundled knowledge with its example answers replaced by `cases` (their kinds that
    teach), in a copy under `folder`."""
    target = folder / "knowledge"
    shutil.copytree(default_knowledge_dir(), target, ignore=shutil.ignore_patterns("tests"))
    shutil.rmtree(target / "examples")
    by_question: dict[str, dict[str, list[str]]] = {}
    for case in cases:
        if case.expected is not None and case.kind in EXAMPLE_KINDS:
            answers = by_question.setdefault(case.question, {}).setdefault(case.expected, [])
            if case.answer not in answers:
                answers.append(case.answer)
    entries = [{"question": q, "options": options} for q, options in by_question.items()]
    (target / "examples").mkdir()
    (target / "examples" / "learnt.yml").write_text(json.dumps({"examples": entries}))
    return load_knowledge(target)


def chatter(knowledge: Knowledge) -> dict[str, Any]:
    """The held-out chatter (`tests/not_answers_eval.txt`, written apart from the knowledge's
    `not_answers`) typed while each question is open: how much of it is recorded as an answer."""
    path = default_knowledge_dir() / "tests" / "not_answers_eval.txt"
    texts = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    cases = [
        AnswerCase(0, question.id, text, None, kind="off_topic")
        for question in knowledge.questions
        for text in texts
        if text
    ]
    recorded = sum(run_case(knowledge, case).chosen is not None for case in cases)
    share = 100 * recorded / len(cases)
    print(f"\n1. chatter ({len(texts)} texts x {len(knowledge.questions)} questions): ", end="")
    print(f"{recorded} of {len(cases)} recorded as an answer ({share:.1f}%)")
    return {"recorded": recorded, "total": len(cases)}


def old_choices(revision: str, cases: Sequence[AnswerCase]) -> list[str | None]:
    """The baseline's choices, from its own source and knowledge in a temporary folder."""
    archive = subprocess.run(
        ["git", "archive", revision, "bot", "knowledge"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        done = subprocess.run(
            [sys.executable, "-c", _OLD_RUNNER, folder],
            input=json.dumps([(case.question, case.answer) for case in cases]),
            capture_output=True,
            text=True,
            check=True,
            cwd=folder,
            env={"PYTHONPATH": folder, "PATH": ""},
        )
    chosen: list[str | None] = json.loads(done.stdout)
    return chosen


def botbuilder_choices(knowledge: Knowledge, cases: Sequence[AnswerCase]) -> list[str | None]:
    """The Bot Framework's recognizer over the option labels (numbers and ordinals included);
    a tie between different options is no choice."""
    from botbuilder.dialogs.choices import Choice, ChoiceRecognizers

    chosen: list[str | None] = []
    for case in cases:
        question = knowledge.question(case.question)
        assert question is not None
        choices = [Choice(value=option.id, synonyms=[option.label]) for option in question.options]
        found = ChoiceRecognizers.recognize_choices(case.answer, choices)
        best = max((hit.resolution.score for hit in found), default=0.0)
        top = {hit.resolution.value for hit in found if hit.resolution.score == best}
        chosen.append(top.pop() if len(top) == 1 else None)
    return chosen


def print_accuracy(
    name: str, cases: Sequence[AnswerCase], sides: dict[str, list[str | None]]
) -> dict[str, Any]:
    print(f"\n1. {name} ({len(cases)} answers): understood, wrong confident picks")
    print(f"   {'kind':<11}{'n':>5}  " + "".join(f"{side:>18}" for side in sides))
    table: dict[str, Any] = {}
    for kind in (*KINDS, "all"):
        rows = [i for i, case in enumerate(cases) if kind in ("all", case.kind)]
        if not rows:
            continue
        cells = {}
        for side, chosen in sides.items():
            tally = Tally()
            for i in rows:
                tally = tally.add(cases[i].expected, chosen[i])
            cells[side] = tally
        print(f"   {kind:<11}{len(rows):>5}  " + "".join(f"{c.cell():>18}" for c in cells.values()))
        table[kind] = {side: vars(tally) for side, tally in cells.items()}
    return table


# --- 2. personas ---------------------------------------------------------------------------


def personas(knowledge: Knowledge) -> dict[str, Any]:
    runs = [play(p, knowledge) for p in read_personas(default_knowledge_dir() / BUNDLED_PERSONAS)]
    print(f"\n2. personas ({len(runs)}): recommendation, extra turns, wrong picks")
    for run in runs:
        summary = run.summary
        verdict = "ok  " if run.passed else "MISS"
        print(
            f"   {verdict} {run.persona.id:<36} expected {run.persona.expected:<13} got "
            f"{summary.recommended.id:<13} ({summary.clarity.value}); extra turns "
            f"{run.extra_turns}, wrong picks {len(run.wrong_picks)}"
        )
    extra = statistics.mean(run.extra_turns for run in runs)
    passed = sum(run.passed for run in runs)
    print(f"   {passed}/{len(runs)} as argued; {extra:.2f} extra turns per persona (bar: <= 1)")
    return {"passed": passed, "total": len(runs), "mean_extra_turns": extra}


# --- 3. speed ------------------------------------------------------------------------------


def speed(knowledge: Knowledge, rounds: int) -> dict[str, Any]:
    # Held-out answers (timed, not scored): the development ones are example answers now, and
    # an example typed as it stands is understood without being read.
    cases, _ = read_cases(default_knowledge_dir() / "tests" / HELD_OUT[0])
    inputs = [(case.question, case.answer) for case in cases]
    print(f"\n3. match call (matcher + top-3 snippets), {len(inputs)} answers x {rounds} rounds")
    print(f"   {'snippets':>9} {'p50 ms':>9} {'p99 ms':>9}   difflib p50 / p99 ms   speed-up")
    figures: dict[str, Any] = {}
    for extra in GROWTH:
        grown = with_snippets(knowledge, extra)
        index_for.cache_clear()
        index = index_for(grown)
        for question, answer in inputs:  # untimed: matchers are built on first use
            index.understand(question, answer)

        def understood(question: str, answer: str, index: KnowledgeIndex = index) -> object:
            return index.understand(question, answer)

        ours = timings(understood, inputs, rounds)
        base = timings(difflib_job(grown), inputs, 1) if extra <= 1_000 else None
        line = f"   {len(grown.snippets):>9} {ours[0]:>9.3f} {ours[1]:>9.3f}"
        if base is not None:
            line += f"   {base[0]:>9.3f} / {base[1]:>8.3f}   {base[0] / ours[0]:>6.0f}x"
            line += f" / {base[1] / ours[1]:.0f}x"
        print(line)
        figures[str(extra)] = {"ours": ours, "difflib": base}
    index_for.cache_clear()
    return figures


def with_snippets(knowledge: Knowledge, count: int) -> Knowledge:
    """The knowledge plus `count` snippets recombined from its own sentences, each linked to
    one option's basis in turn, so that both the snippet search and the meaning stage grow."""
    if not count:
        return knowledge
    words = " ".join(snippet.text for snippet in knowledge.snippets).split()
    options = [(q, o) for q in knowledge.questions for o in q.options]
    extra = []
    for n in range(count):
        start = (n * 37) % (len(words) - 40)
        text = " ".join(words[start : start + 25 + n % 15])
        base = knowledge.snippets[n % len(knowledge.snippets)]
        extra.append(base.model_copy(update={"id": f"synthetic-{n}", "text": text}))
    linked: dict[tuple[str, str], list[str]] = {}
    for n, snippet in enumerate(extra):
        question, option = options[n % len(options)]
        linked.setdefault((question.id, option.id), []).append(snippet.id)
    questions = []
    for question in knowledge.questions:
        new_options = []
        for option in question.options:
            ids = linked.get((question.id, option.id), [])
            model = next(iter(option.weights))
            basis = {**option.basis, model: (*option.basis.get(model, ()), *ids)}
            new_options.append(option.model_copy(update={"basis": basis}))
        questions.append(question.model_copy(update={"options": tuple(new_options)}))
    return Knowledge(
        version=f"{knowledge.version}+{count}",
        sources=knowledge.sources,
        models=knowledge.models,
        dimensions=knowledge.dimensions,
        questions=tuple(questions),
        snippets=(*knowledge.snippets, *extra),
        examples=knowledge.examples,
    )


def difflib_job(knowledge: Knowledge) -> Callable[[str, str], object]:
    """The same job by plain difflib: per option the best ratio over its label and synonyms,
    and the top 3 snippets by ratio against their text."""
    texts = [snippet.text.lower() for snippet in knowledge.snippets]

    def job(question_id: str, answer: str) -> object:
        question = knowledge.question(question_id)
        assert question is not None
        lowered = answer.lower()
        matcher = difflib.SequenceMatcher(None, lowered)
        best = []
        for option in question.options:
            ratios = []
            for phrase in (option.label, *option.synonyms):
                matcher.set_seq1(phrase.lower())
                ratios.append(matcher.ratio())
            best.append(max(ratios))
        ranked = sorted(texts, key=lambda t: difflib.SequenceMatcher(None, lowered, t).ratio())
        return best, ranked[-3:]

    return job


def timings(
    job: Callable[[str, str], object], inputs: Sequence[tuple[str, str]], rounds: int
) -> tuple[float, float]:
    """p50 and p99 in ms over inputs, each input's median over `rounds` repeats."""
    per_input = []
    for question, answer in inputs:
        samples = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            job(question, answer)
            samples.append(time.perf_counter_ns() - start)
        per_input.append(statistics.median(samples) / 1e6)
    per_input.sort()
    p99 = per_input[min(len(per_input) - 1, int(0.99 * len(per_input)))]
    return per_input[len(per_input) // 2], p99


# --- 4. start-up ---------------------------------------------------------------------------

_START = """
import time
start = time.perf_counter()
from bot.engine.index import index_for
from bot.knowledge import default_knowledge_dir, load_knowledge
index = index_for(load_knowledge(default_knowledge_dir()))
index.understand("mandate", "get rid of the boring admin")
took = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent, VmHWM starts anew
# with the new program.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(took, int(peak.split()[1]) / 1024)
"""


def start_up() -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _START], capture_output=True, text=True, check=True, cwd=REPO
    )
    seconds, megabytes = (float(value) for value in done.stdout.split())
    print(f"\n4. start-up: import, load, index, first match: {seconds:.2f} s, {megabytes:.0f} MB")
    return {"seconds": seconds, "max_rss_mb": megabytes}


if __name__ == "__main__":
    raise SystemExit(main())
