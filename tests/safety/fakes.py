"""A stand-in for the risk classifier, to test how the screen combines the two signals."""

from __future__ import annotations


class FixedClassifier:
    """Gives every message the same probability, category and evidence."""

    def __init__(self, probability: float, category: str = "suicide", evidence=()) -> None:
        self.fixed_probability = probability
        self._category = category
        self._evidence = tuple(evidence)

    def probability(self, words: str) -> float:
        return self.fixed_probability

    def category(self, words: str) -> str:
        return self._category

    def evidence(self, words: str) -> tuple[str, ...]:
        return self._evidence


class WordClassifier(FixedClassifier):
    """Gives a message the probability while it holds one of ``words``, and 0 without."""

    def __init__(self, probability: float, words: set[str], category: str = "suicide") -> None:
        super().__init__(probability, category)
        self.words = words

    def probability(self, words: str) -> float:
        return self.fixed_probability if self.words & set(words.split()) else 0.0
