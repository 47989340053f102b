"""The risk classifier: loading, rebuilding, determinism, calibration and evidence."""

import subprocess
import sys

import numpy as np
import pytest

from bot.safety import classifier
from bot.safety.rules import CATEGORIES
from tests.tools import risk_classifier as tool

SMALL = 600  # examples for the tests that train their own model


@pytest.fixture(scope="module")
def examples():
    return tool.all_examples()


@pytest.fixture(scope="module")
def small(examples):
    """Every risk example's neighbours: a small, mixed, fixed sample."""
    step = len(examples) // SMALL
    return examples[::step]


def test_the_shipped_model_is_current_and_small():
    model = classifier.load()
    assert model is not None, "models/risk_classifier.joblib is missing or stale: make train"
    assert tool.is_current(model)
    assert classifier.MODEL_PATH.stat().st_size < 20_000_000


def test_a_model_from_other_data_is_built_again(tmp_path, small):
    path = tmp_path / "model.joblib"
    classifier.save(classifier.train(small, "made from other data"), path)
    assert classifier.load(path) is not None
    assert not tool.is_current(classifier.load(path))


def test_a_model_from_another_recipe_is_not_used(tmp_path, small, monkeypatch):
    path = tmp_path / "model.joblib"
    classifier.save(classifier.train(small, "x"), path)
    monkeypatch.setattr(classifier, "RECIPE", classifier.RECIPE + "/changed")
    assert classifier.load(path) is None
    with pytest.raises(RuntimeError, match="make train"):
        classifier.load_shipped(path)


def test_a_torn_model_file_is_not_used(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a model")
    assert classifier.load(path) is None


def test_a_missing_model_is_built_and_saved(tmp_path, monkeypatch, small):
    monkeypatch.setattr(tool, "all_examples", lambda: small)
    path = tmp_path / "models" / "model.joblib"
    built = tool.build(path)
    assert path.exists()
    assert classifier.load(path).fingerprint == built.fingerprint


def test_training_is_deterministic(small):
    texts = classifier.normalised(example.text for example in small[:200])
    first = classifier.train(small, "x").probabilities(texts)
    second = classifier.train(small, "x").probabilities(texts)
    assert first == second


def test_one_message_scores_as_sklearn_scores_the_batch(examples):
    model = classifier.load_shipped()
    texts = classifier.normalised(example.text for example in examples[::25])
    by_sklearn = model.risk.predict_proba(texts)[:, 1]
    assert np.allclose(model.probabilities(texts), by_sklearn, rtol=0, atol=1e-9)
    assert model.probability("") == pytest.approx(model.risk.predict_proba([""])[0, 1])


def test_the_category_is_the_one_sklearn_predicts(examples):
    model = classifier.load_shipped()
    texts = classifier.normalised(example.text for example in examples[::25])
    assert [model.category(text) for text in texts] == list(model.categories.predict(texts))
    assert model.category("") == model.categories.predict([""])[0]


def test_the_evidence_of_a_message_is_its_own_after_another_was_scored():
    model = classifier.load_shipped()
    first, second = classifier.normalised(["I want to die tonight", "I will cut myself again"])
    alone = model.evidence(second)
    model.probability(first)
    assert model.evidence(second) == alone
    assert model.evidence(first) != alone


def test_the_probability_is_calibrated_on_held_out_folds(examples):
    """Of the messages given about p, about a share p are risky (out of fold): the
    expected calibration error over ten bins is small, and no bin is far off."""
    probabilities = classifier.out_of_fold(examples)
    risky = np.array([example.risk for example in examples])
    bins = np.minimum((probabilities * 10).astype(int), 9)
    error = 0.0
    for number in range(10):
        chosen = bins == number
        assert chosen.sum() >= 50, f"too few examples near {number / 10:.1f}"
        gap = abs(probabilities[chosen].mean() - risky[chosen].mean())
        assert gap < 0.2, f"bin {number / 10:.1f}: predicted and observed differ by {gap:.2f}"
        error += gap * chosen.sum() / len(examples)
    assert error < 0.03


def test_the_evidence_is_words_of_the_message_that_point_to_risk():
    model = classifier.load_shipped()
    [words] = classifier.normalised(["I honestly want to die, there's no reason to keep living"])
    evidence = model.evidence(words)
    assert 1 <= len(evidence) <= classifier.EVIDENCE_SIZE
    assert all(f" {ngram} " in f" {words} " for ngram in evidence)
    assert "die" in " ".join(evidence)


def test_an_unusable_corpus_row_names_its_line(tmp_path):
    corpus = tmp_path / "train.jsonl"
    corpus.write_text('{"label": "suicide", "text": "x"}\n{"label": "maybe", "text": "y"}\n')
    with pytest.raises(ValueError, match="line 2"):
        classifier.corpus_examples(corpus)


def test_cases_teach_risk_in_their_first_category():
    cases = tool.case_examples()
    assert {example.category for example in cases if example.risk} <= set(CATEGORIES)
    assert {example.category for example in cases if not example.risk} == {None}
    assert sum(example.risk for example in cases) > 100


def test_a_model_built_from_the_command_line_loads_in_another_process(tmp_path):
    path = tmp_path / "model.joblib"
    command = [sys.executable, "-m", "tests.tools.risk_classifier", "train", "--model", str(path)]
    subprocess.run(command, check=True, capture_output=True, cwd=classifier.PROJECT_DIR)
    assert isinstance(classifier.load(path), classifier.RiskClassifier)
