"""The statistical signal beside the rules: how likely a message is to voice risk.

A logistic regression over the words and word pairs of the normalised message,
trained on real labelled public text (data/risk_corpus, see its README), the
project's safety cases and the intents' training examples (what visitors say to
this bot). `make train` builds models/risk_classifier.joblib with
tests/tools/risk_classifier.py whenever that data changes; this module trains and
loads, and reads no test data itself.
Its probability is calibrated on held-out folds (Platt scaling), so the
threshold in data/risk_rules/settings.yml reads as a probability. It only ever leads to
the `low` pathway (one kind, direct question): the level above that is the
rules' to decide, because they can say why.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import yaml
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from bot.safety.rules import CRISIS_INTENT_PREFIX, load_rules

PROJECT_DIR = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_DIR / "data" / "risk_corpus" / "train.jsonl"
# Messages written for this project in the many ways people voice risk (and do not),
# beside the public corpus, whose suicide posts come from one forum.
WRITTEN = PROJECT_DIR / "data" / "risk_corpus" / "written.jsonl"
NLU_DIR = PROJECT_DIR / "data" / "nlu"
MODEL_PATH = PROJECT_DIR / "models" / "risk_classifier.joblib"
# Rasa's entity markup in training examples: "[tonight](time)" or "[tonight]{...}".
ENTITY_MARKUP = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
RISK_LABELS = ("suicide", "self_harm", "harm_to_others")
HARMLESS_LABELS = ("distress", "benign")
SEED = 0
FOLDS = 5
# Bump when the features or the estimator change: the fingerprint then differs.
RECIPE = "normalised-words/tfidf-1-2/logreg-C2-balanced/platt-5fold/v2"
EVIDENCE_SIZE = 5


@dataclass(frozen=True)
class Example:
    text: str
    risk: bool
    category: str | None  # a risk category, for the risk examples


class RiskClassifier:
    """A trained model: probability of risk, the likeliest category, and why.

    It reads a message as the normalisation step leaves it (``Normaliser.words``):
    words in their dictionary forms, slang and misspellings of key terms spelled
    out, so "kms", "killin myself" and "kill myself" are one feature."""

    def __init__(self, risk: Pipeline, categories: Pipeline, fingerprint: str) -> None:
        self.risk = risk
        self.categories = categories
        self.fingerprint = fingerprint  # of the data it was built from
        self.recipe = recipe()  # of the code and library that built it
        self._scorers: tuple[_RiskScorer, _CategoryScorer] | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_scorers", None)  # rebuilt after loading, not stored
        return state

    def __setstate__(self, state: dict) -> None:
        state.pop("_scorer", None)  # stored by an earlier version of this class
        self.__dict__.update(state, _scorers=None)

    def probability(self, words: str) -> float:
        """The calibrated probability that a normalised message voices risk."""
        return self._fast()[0].probability(words)

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        return [self.probability(words) for words in texts]

    def category(self, words: str) -> str:
        """The likeliest risk category, for a message the rules did not place."""
        return self._fast()[1].category(words)

    def evidence(self, words: str, size: int = EVIDENCE_SIZE) -> tuple[str, ...]:
        """The message's n-grams with the largest weight towards risk, strongest first."""
        contributions = self._fast()[0].contributions(words)
        return tuple(gram for gram, weight in contributions[:size] if weight > 0)

    def _fast(self) -> tuple[_RiskScorer, _CategoryScorer]:
        if self._scorers is None:
            self._scorers = (_RiskScorer(self.risk), _CategoryScorer(self.categories))
        return self._scorers


class _LinearScorer:
    """A fitted TF-IDF and linear model's arithmetic for one message, without sklearn's
    per-call overhead (about 1 ms): sublinear counts, unit length, the linear scores.
    The last message's features are kept: the screen asks for a message's
    probability, then its evidence."""

    def __init__(self, features: TfidfVectorizer, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.analyse = features.build_analyzer()
        self.columns: dict[str, int] = features.vocabulary_
        self.idf = features.idf_
        self.coef = np.ascontiguousarray(coef.T)  # one row of class weights per n-gram
        self.intercept = intercept
        self._last: tuple[str, list[str], np.ndarray, np.ndarray] | None = None

    def features(self, words: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The message's known n-grams, their columns and their TF-IDF values."""
        last = self._last  # read once: another thread may replace it
        if last is not None and last[0] == words:
            return last[1:]
        grams, columns, counts = [], [], []
        for gram, count in Counter(self.analyse(words)).items():
            column = self.columns.get(gram)
            if column is not None:
                grams.append(gram)
                columns.append(column)
                counts.append(count)
        index = np.array(columns, dtype=np.intp)
        values = (1.0 + np.log(np.array(counts, dtype=np.float64))) * self.idf[index]
        norm = math.sqrt(values @ values)
        if norm:
            values /= norm
        self._last = (words, grams, index, values)
        return grams, index, values

    def scores(self, words: str) -> np.ndarray:
        _, index, values = self.features(words)
        return self.intercept + values @ self.coef[index]


class _RiskScorer(_LinearScorer):
    """Risk or not, with the sigmoid calibration on top. Gives sklearn's
    predict_proba to 1e-9."""

    def __init__(self, pipeline: Pipeline) -> None:
        calibrated = pipeline.named_steps["model"].calibrated_classifiers_[0]
        model = calibrated.base_estimator
        super().__init__(pipeline.named_steps["features"], model.coef_, model.intercept_)
        calibrator = calibrated.calibrators[0]
        self.a, self.b = float(calibrator.a_), float(calibrator.b_)

    def probability(self, words: str) -> float:
        exponent = self.a * float(self.scores(words)[0]) + self.b
        if exponent > 700:  # exp would overflow: the probability is 0 to double precision
            return 0.0
        return 1.0 / (1.0 + math.exp(exponent))

    def contributions(self, words: str) -> list[tuple[str, float]]:
        grams, index, values = self.features(words)
        found = zip(grams, (values * self.coef[index, 0]).tolist(), strict=True)
        return sorted(found, key=lambda item: item[1], reverse=True)


class _CategoryScorer(_LinearScorer):
    """The likeliest category, as sklearn's predict (one against the rest)."""

    def __init__(self, pipeline: Pipeline) -> None:
        model = pipeline.named_steps["model"]
        super().__init__(pipeline.named_steps["features"], model.coef_, model.intercept_)
        self.classes = [str(label) for label in model.classes_]

    def category(self, words: str) -> str:
        scores = self.scores(words)
        if len(self.classes) == 2:  # one column of weights: above zero is the second class
            return self.classes[int(scores[0] > 0)]
        return self.classes[int(np.argmax(scores))]


def _features() -> TfidfVectorizer:
    # Words and word pairs of the normalised message: pairs carry the phrasing
    # ("want die", "better without", "no point"), and one-letter words count too,
    # because "i" says who is at risk.
    return TfidfVectorizer(
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a password)
        ngram_range=(1, 2),
        min_df=2,
        max_features=100_000,
        sublinear_tf=True,
    )


def _risk_pipeline() -> Pipeline:
    model = LogisticRegression(C=2.0, class_weight="balanced", max_iter=2000, solver="liblinear")
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    calibrated = CalibratedClassifierCV(model, method="sigmoid", cv=folds, ensemble=False)
    return Pipeline([("features", _features()), ("model", calibrated)])


def _category_pipeline() -> Pipeline:
    model = LogisticRegression(C=2.0, class_weight="balanced", max_iter=2000, solver="liblinear")
    return Pipeline([("features", _features()), ("model", model)])


# --- data ---------------------------------------------------------------


def normalised(texts: Iterable[str]) -> list[str]:
    """Texts as the screen's normalisation step leaves them."""
    from bot.safety.normalise import Normaliser, words

    normaliser = Normaliser(load_rules())
    return [words(normaliser.parse(text)) for text in texts]


def recipe() -> str:
    """The features, the estimator and the library version: a model built under another
    recipe is not loaded."""
    import sklearn

    return f"{RECIPE}|sklearn {sklearn.__version__}"


def fingerprint(paths: Iterable[Path]) -> str:
    """Changes when any training file, the recipe or the library version changes."""
    digest = hashlib.sha256(recipe().encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def corpus_examples(path: Path = CORPUS) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            label = row.get("label")
            if label not in RISK_LABELS + HARMLESS_LABELS or not isinstance(row.get("text"), str):
                raise ValueError(f"{path.name} line {number}: unusable row (label {label!r})")
            risky = label in RISK_LABELS
            examples.append(Example(row["text"], risky, label if risky else None))
    return examples


def nlu_examples(directory: Path = NLU_DIR) -> list[Example]:
    """What visitors say to this bot, from the intents' training examples: the crisis
    intents' are risk in their category, every other intent's are not ("help me make
    a safety plan" is a request to the bot, not a plan to harm)."""
    examples = []
    for path in sorted(directory.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            intent = item.get("intent")
            if not intent or not isinstance(item.get("examples"), str):
                continue
            category = intent.removeprefix(CRISIS_INTENT_PREFIX)
            risky = intent.startswith(CRISIS_INTENT_PREFIX)
            for line in item["examples"].splitlines():
                text = ENTITY_MARKUP.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    examples.append(Example(text, risky, category if risky else None))
    return examples


# --- training and loading -----------------------------------------------


def train(examples: Sequence[Example], stamp: str) -> RiskClassifier:
    texts = normalised(example.text for example in examples)
    labels = np.array([example.risk for example in examples], dtype=int)
    risk = _risk_pipeline().fit(texts, labels)
    risky = [
        (text, example.category)
        for text, example in zip(texts, examples, strict=True)
        if example.risk and example.category
    ]
    categories = _category_pipeline().fit(
        [text for text, _ in risky], [category for _, category in risky]
    )
    return RiskClassifier(risk, categories, stamp)


def out_of_fold(examples: Sequence[Example]) -> np.ndarray:
    """Each example's calibrated probability from a model that never saw it."""
    texts = normalised(example.text for example in examples)
    labels = np.array([example.risk for example in examples], dtype=int)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED + 1)
    return cross_val_predict(_risk_pipeline(), texts, labels, cv=folds, method="predict_proba")[
        :, 1
    ]


def save(classifier: RiskClassifier, path: Path = MODEL_PATH) -> None:
    """Write atomically: a reader never sees half a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(classifier, temporary, compress=3)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load(path: Path = MODEL_PATH) -> RiskClassifier | None:
    """The saved model, if there is one that this code and library can use."""
    if not path.exists():
        return None
    try:
        classifier = joblib.load(path)
    except Exception:  # a torn file, or a model pickled by code that has changed since
        return None
    if isinstance(classifier, RiskClassifier) and getattr(classifier, "recipe", None) == recipe():
        return classifier
    return None


def load_shipped(path: Path = MODEL_PATH) -> RiskClassifier:
    """The model `make train` built; a clear error, not a weaker screen, without it."""
    classifier = load(path)
    if classifier is None:
        raise RuntimeError(
            f"the risk classifier {path} is missing or was built by another version of the "
            "code or of scikit-learn: run `make train`"
        )
    return classifier
