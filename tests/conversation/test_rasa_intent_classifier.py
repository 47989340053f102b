"""bot.rasa_intent_classifier: Rasa's classifier, trained, stored, loaded, predicting the same."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import random as sparse_random

from bot.rasa_intent_classifier import FastLogisticRegressionClassifier

INTENTS = ["greet", "ask_anxiety", "ask_sleep", "goodbye"]
FEATURES = 300


def message(number: int, intent: str | None = None) -> Message:
    rng = np.random.default_rng(number)
    sparse = sparse_random(1, FEATURES, density=0.05, format="coo", random_state=rng)
    if intent:  # the intent shows in its own block of features, so there is a pattern to learn
        sparse.col[0] = INTENTS.index(intent) * 10
    message = Message(data={TEXT: f"message {number}", **({"intent": intent} if intent else {})})
    message.add_features(Features(sparse, "sentence", TEXT, "CountVectorsFeaturizer"))
    return message


def trained(cls, tmp_path):
    (tmp_path / cls.__name__).mkdir()
    storage = LocalModelStorage(tmp_path / cls.__name__)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    config = {"max_iter": 200, "random_state": 42}
    examples = [message(n, INTENTS[n % len(INTENTS)]) for n in range(80)]
    cls.create(config, storage, resource, context).train(TrainingData(examples))
    return cls.load(config, storage, resource, context)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("classifiers")
    return trained(LogisticRegressionClassifier, tmp_path), trained(
        FastLogisticRegressionClassifier, tmp_path
    )


def test_loaded_weights_transpose_without_a_copy(both):
    rasa, fast = both
    assert not rasa.clf.coef_.T.flags.c_contiguous  # what made scipy copy on every message
    assert fast.clf.coef_.T.flags.c_contiguous


def test_predicts_what_rasas_classifier_predicts(both):
    rasa, fast = both
    new = [message(1000 + n) for n in range(40)]
    expected = rasa.process([message(1000 + n) for n in range(40)])
    for ours, theirs in zip(fast.process(new), expected, strict=True):
        assert ours.get("intent")["name"] == theirs.get("intent")["name"]
        assert ours.get("intent")["confidence"] == pytest.approx(theirs.get("intent")["confidence"])
        assert [i["name"] for i in ours.get("intent_ranking")] == [
            i["name"] for i in theirs.get("intent_ranking")
        ]
