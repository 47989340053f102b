"""The risk screen: the one place that decides a message's risk level.

Four steps, one module each: normalise (slang, misspellings, word forms),
match (trigger and modifier rules, within one sentence or clause), classifier
(the probability that real people's words like these voice risk) and decide
(the level: rules for high and imminent, the classifier for low at most).
Everything the rules know is in ``data/risk_rules/*.yml``; the classifier's threshold is
in ``data/risk_rules/settings.yml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache

from spacy.tokens import Doc

from bot.safety import decide
from bot.safety.classifier import RiskClassifier, load_shipped
from bot.safety.decide import ScreenResult
from bot.safety.match import Finding, RuleMatcher
from bot.safety.normalise import Normaliser, words
from bot.safety.rules import CRISIS_INTENT_PREFIX, RuleSet, load_rules


class RiskScreen:
    """Load once, screen many: building the matcher takes about a second.

    ``classifier`` None screens with the rules alone (tests of the rules, and
    the comparison in ``make safety-dev``)."""

    def __init__(
        self, rules: RuleSet | None = None, classifier: RiskClassifier | None = None
    ) -> None:
        self.rules = rules or load_rules()
        self.settings = self.rules.settings
        self.classifier_settings: dict = self.settings["classifier"]
        self.normaliser = Normaliser(self.rules)
        self.matcher = RuleMatcher(self.rules, self.normaliser)
        self.classifier = classifier
        self._distress_words = {
            self.normaliser.canonical(w)[0] for w in self.rules.vocabulary["DISTRESS"]
        }

    def normalise_text(self, text: str) -> str:
        return self.normaliser.normalise_text(text)

    def screen(
        self, text: str, prior_level: str = "none", prior_distress: bool = False
    ) -> ScreenResult:
        """Screen one message; ``prior_level`` is the highest level earlier in the
        conversation and ``prior_distress`` whether distress was voiced earlier."""
        return self._judge(self.normaliser.parse(text), prior_level, prior_distress)[0]

    def screen_many(self, texts: Iterable[str]) -> Iterator[ScreenResult]:
        """Screen a stream of independent messages, in order."""
        for text in texts:
            yield self._judge(self.normaliser.parse(text), "none", False)[0]

    def explain(self, text: str, prior_level: str = "none") -> tuple[ScreenResult, list[Finding]]:
        """The result, with the classifier's evidence, and every trigger match with the
        modifiers that touched it."""
        doc = self.normaliser.parse(text)
        result, findings = self._judge(doc, prior_level, False)
        if self.classifier is not None and not result.evidence:
            result = replace(result, evidence=self.classifier.evidence(words(doc)))
        return result, findings

    def _judge(
        self, doc: Doc, prior_level: str, prior_distress: bool
    ) -> tuple[ScreenResult, list[Finding]]:
        distress = self._voices_distress(doc)
        findings = self.matcher.findings(doc)
        decide.set_levels(findings, prior_level, prior_distress or distress)
        result = decide.from_rules(findings, distress)
        if self.classifier is None:
            return result, findings
        message = words(doc)
        result = replace(result, probability=round(self.classifier.probability(message), 3))
        threshold = self.classifier_threshold(doc)
        if decide.classifier_raises(result, threshold):
            # A pseudo phrase ("kill a Python process") clears the flag only if the rest of
            # the message does not read as risk on its own: "dying to see the film"
            # beside a goodbye to everyone still raises it.
            pseudo = self.matcher.pseudo_spans(doc)
            harmless = {i for _, start, end in pseudo for i in range(start, end)}
            if pseudo and self.classifier.probability(words(doc, harmless)) < threshold:
                result = replace(result, modifiers=("pseudo",), rules=(*result.rules, pseudo[0][0]))
            else:
                result = decide.raised_by_classifier(
                    result, self.classifier.category(message), self.classifier.evidence(message)
                )
        return result, findings

    def classifier_threshold(self, doc: Doc) -> float:
        """The probability at which the classifier raises this message (by its length)."""
        words = sum(not (token.is_punct or token.is_space) for token in doc)
        return decide.classifier_threshold(words, self.classifier_settings)

    def _voices_distress(self, doc: Doc) -> bool:
        return any(token.norm_ in self._distress_words for token in doc)


def is_crisis_intent(intent: str | None) -> bool:
    return (intent or "").startswith(CRISIS_INTENT_PREFIX)


def crisis_intent(result: ScreenResult) -> str | None:
    """The crisis intent a result routes to: by its first category, or suicide for a
    means question (the crisis pathway re-screens it with the conversation's history)."""
    if result.level != "none":
        return CRISIS_INTENT_PREFIX + result.categories[0]
    if result.means_question:
        return CRISIS_INTENT_PREFIX + "suicide"
    return None


@cache
def default_screen() -> RiskScreen:
    """The screen with the shipped rules and classifier, built once per process."""
    return RiskScreen(classifier=load_shipped())


@cache
def rules_only_screen() -> RiskScreen:
    """The shipped rules without the classifier."""
    return RiskScreen()


def screen_message(text: str, prior_level: str = "none") -> ScreenResult:
    return default_screen().screen(text, prior_level)
