"""The risk screen: the one place that decides a message's risk level.

Deterministic and explainable: a message is normalised (slang, misspellings,
word forms), trigger rules find risk language, and ConText-style modifier
rules (negated, hypothetical, historical, third party, imminence, pseudo)
adjust what each trigger means. Everything it knows is in ``rules/*.yml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import spacy
import spacy_lookups_data
import srsly
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from bot.messages import SURROGATES
from bot.safety.rules import (
    LEVELS,
    REPORTED_KINDS,
    ModifierRule,
    RuleSet,
    TriggerRule,
    bracket_phrases,
    compile_pattern,
    load_rules,
    phrases,
)

# Kinds that soften a speaker's own flag by one step, never below "low":
# they change the response, they never silently clear it (safety protocol).
SOFTENING_KINDS = ("negated", "hypothetical", "historical")
SENTENCE_ENDS = {".", "!", "?", ";", "\n"}
LEMMA_LOOKUP = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
NORM_CACHE_SIZE = 200_000  # distinct words; cleared when full


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def highest(levels: Iterable[str]) -> str:
    return max(levels, key=level_rank, default="none")


@dataclass(frozen=True)
class ScreenResult:
    level: str = "none"
    categories: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    # A means question ("which bridges are high") is only risky after distress;
    # callers that know the conversation screen it again with that context.
    means_question: bool = False
    # Distress words without risk ("a disaster", "I can't cope"): context for a
    # later means question, never a flag on their own.
    distress: bool = False

    def as_dict(self) -> dict:
        """The JSON shape of architecture contract 1."""
        return {
            "level": self.level,
            "categories": list(self.categories),
            "modifiers": list(self.modifiers),
            "rules": list(self.rules),
        }


@dataclass
class Finding:
    """One trigger match and what happened to it, for ``explain``."""

    rule: TriggerRule
    start: int
    end: int
    text: str
    level: str = "none"
    modifiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, rule id)
    cleared_by: str | None = None


@dataclass
class _Span:
    rule_id: str
    start: int
    end: int
    sentence: int


class RiskScreen:
    """Load once, screen many: building the matcher takes about a second."""

    def __init__(self, rules: RuleSet | None = None) -> None:
        self.rules = rules or load_rules()
        self.settings = self.rules.settings
        normalisation = self.rules.normalisation
        # spaCy's English tokenizer and the dictionary forms of spacy-lookups-data's
        # lookup lemmatizer, read directly so each word's form is worked out once.
        self.nlp = spacy.blank("en")
        self._lemmas: dict[str, str] = srsly.read_gzip_json(LEMMA_LOOKUP)
        self._norms: dict[str, str] = {}
        self._overrides: dict[str, str] = normalisation.get("word_forms", {})
        replacements: dict[str, str] = normalisation.get("replace", {})
        self._replacements = {key.lower(): value for key, value in replacements.items()}
        self._replace_pattern = re.compile(
            r"(?<![\w'])("
            + "|".join(
                re.escape(key).replace(r"\ ", r"\s+")
                for key in sorted(self._replacements, key=len, reverse=True)
            )
            + r")(?![\w'])"
        )
        self._fuzzy_terms = tuple(normalisation.get("fuzzy_terms", []))
        self._known_words = set(self._lemmas) | set(self._lemmas.values())
        self._known_words.update(self._overrides)
        self._known_words.update(w for words in self.rules.vocabulary.values() for w in words)
        self._distress_words = {self._canonical(w)[0] for w in self.rules.vocabulary["DISTRESS"]}
        known_phrases = phrases(self.rules)
        self.phrase_matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for phrase in known_phrases:
            self.phrase_matcher.add("phrase", [Doc(self.nlp.vocab, words=self._canonical(phrase))])
        self._build_matchers(known_phrases)

    def _build_matchers(self, known_phrases: set[str]) -> None:
        """Index patterns by a rare word they need, so a message only meets the patterns
        whose key word it contains; modifiers are only looked for near a trigger."""
        self.triggers = _AnchoredMatchers(self.nlp.vocab)
        self.modifiers = _AnchoredMatchers(self.nlp.vocab)
        for rule in [*self.rules.triggers.values(), *self.rules.modifiers.values()]:
            matchers = self.triggers if rule.id in self.rules.triggers else self.modifiers
            for pattern in rule.patterns:
                for spec in compile_pattern(
                    bracket_phrases(pattern, known_phrases),
                    self.rules.vocabulary,
                    self._canonical,
                    known_phrases,
                ):
                    matchers.add(rule.id, spec)
        self.max_scope = max(self.settings["default_scope"].values())
        self.max_scope = max(
            [self.max_scope, *(m.scope or 0 for m in self.rules.modifiers.values())]
        )

    # --- normalisation -------------------------------------------------

    def normalise_text(self, text: str) -> str:
        """Lower case, plain characters, slang and abbreviations spelled out."""
        # Lone surrogates (from JSON escapes) cannot be tokenised: the screen must not fail.
        text = SURROGATES.sub("\ufffd", unicodedata.normalize("NFKC", text)).lower()
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
        text = re.sub(r"(?<=[a-z])[-_/](?=[a-z])", " ", text)
        text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "sooo" -> "soo", "killlll" -> "kill"
        return self._replace_pattern.sub(lambda m: self._replacement(m.group(1)), text)

    def _replacement(self, found: str) -> str:
        return self._replacements[re.sub(r"\s+", " ", found)]

    def _norm(self, text: str) -> str:
        """A word's normal form: our overrides, a corrected misspelling, or its dictionary form."""
        norm = self._norms.get(text)
        if norm is None:
            norm = self._overrides.get(text)
            unknown = text.isalpha() and len(text) >= 5 and text not in self._known_words
            if norm is None and unknown and (corrected := _closest(text, self._fuzzy_terms)):
                norm = self._overrides.get(corrected, self._lemmas.get(corrected, corrected))
            if norm is None:
                norm = self._lemmas.get(text, text)
            if len(self._norms) > NORM_CACHE_SIZE:
                self._norms.clear()
            self._norms[text] = norm
        return norm

    def _canonical(self, word: str) -> list[str]:
        doc = self.nlp.make_doc(self.normalise_text(word))
        return [self._norm(token.text) for token in doc if not token.is_space]

    def _parse(self, text: str) -> Doc:
        return self._with_norms(self.nlp.make_doc(self.normalise_text(text)))

    def _with_norms(self, doc: Doc) -> Doc:
        for token in doc:
            token.norm_ = self._norm(token.text)
        return self.merge_phrases(doc)

    def merge_phrases(self, doc: Doc) -> Doc:
        """Make each known phrase ("sleeping pills", "right now") one token, as in the patterns."""
        spans = filter_spans([doc[start:end] for _, start, end in self.phrase_matcher(doc)])
        if spans:
            with doc.retokenize() as retokenizer:
                for span in spans:
                    retokenizer.merge(span, attrs={"NORM": "_".join(t.norm_ for t in span)})
        return doc

    # --- screening -----------------------------------------------------

    def screen(
        self, text: str, prior_level: str = "none", prior_distress: bool = False
    ) -> ScreenResult:
        """Screen one message; ``prior_level`` is the highest level earlier in the
        conversation and ``prior_distress`` whether distress was voiced earlier."""
        return self._judge(self._parse(text), prior_level, prior_distress)[0]

    def _judge(
        self, doc: Doc, prior_level: str, prior_distress: bool
    ) -> tuple[ScreenResult, list[Finding]]:
        distress = any(token.norm_ in self._distress_words for token in doc)
        findings = self._findings(doc, prior_level, prior_distress or distress)
        return replace(self._decide(findings), distress=distress), findings

    def screen_many(self, texts: Iterable[str]) -> Iterator[ScreenResult]:
        """Screen a stream of independent messages, in order, batching the tokenizer."""
        for text in texts:
            yield self._judge(self._parse(text), "none", False)[0]

    def explain(self, text: str, prior_level: str = "none") -> tuple[ScreenResult, list[Finding]]:
        """The result and every trigger match with the modifiers that touched it."""
        return self._judge(self._parse(text), prior_level, False)

    def harmless_phrase(self, text: str) -> str | None:
        """The pseudo rule (idiom, harmless target, definition) a message contains, if any."""
        doc = self._parse(text)
        for match_id, _, _ in self.modifiers(doc):
            rule_id = self.nlp.vocab.strings[match_id]
            if self.rules.modifiers[rule_id].kind == "pseudo":
                return rule_id
        return None

    def _findings(self, doc: Doc, prior_level: str, distressed: bool) -> list[Finding]:
        triggers, modifiers = self._spans(doc)
        findings = []
        for span in triggers:
            rule = self.rules.triggers[span.rule_id]
            finding = Finding(rule, span.start, span.end, doc[span.start : span.end].text)
            pseudo = next(
                (m for m in modifiers if self._kind(m) == "pseudo" and _overlap(m, span)), None
            )
            if pseudo:
                finding.cleared_by = pseudo.rule_id
            else:
                finding.modifiers = self._modifiers_for(span, rule, modifiers)
            findings.append(finding)
        self._set_levels(findings, prior_level, distressed)
        return findings

    def _spans(self, doc: Doc) -> tuple[list[_Span], list[_Span]]:
        sentence_of = []
        sentence = 0
        for token in doc:
            sentence_of.append(sentence)
            if token.text in SENTENCE_ENDS or "\n" in token.text:
                sentence += 1
        matches = self.triggers(doc)
        if matches:
            start = max(0, min(start for _, start, _ in matches) - self.max_scope)
            end = min(len(doc), max(end for _, _, end in matches) + self.max_scope)
            matches += [(m, start + s, start + e) for m, s, e in self.modifiers(doc[start:end])]
        by_rule: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in matches:
            by_rule.setdefault(self.nlp.vocab.strings[match_id], []).append((start, end))
        triggers, modifiers = [], []
        for rule_id, spans in by_rule.items():
            for start, end in _outermost(spans):
                target = triggers if rule_id in self.rules.triggers else modifiers
                target.append(_Span(rule_id, start, end, sentence_of[start]))
        triggers.sort(key=lambda s: s.start)
        return triggers, modifiers

    def _kind(self, span: _Span) -> str:
        return self.rules.modifiers[span.rule_id].kind

    def _modifiers_for(
        self, target: _Span, rule: TriggerRule, modifiers: list[_Span]
    ) -> list[tuple[str, str]]:
        ignored = [m for m in modifiers if self._kind(m) == "ignore"]
        terminators = [m for m in modifiers if self._kind(m) == "terminate"]
        found = []
        if rule.subject == "other":
            found.append(("third_party", rule.id))
        for span in modifiers:
            modifier = self.rules.modifiers[span.rule_id]
            kind = modifier.kind
            if kind in ("pseudo", "ignore", "terminate") or _overlap(span, target):
                continue
            if kind == "third_party" and rule.subject != "any":
                continue
            if span.sentence != target.sentence or any(_overlap(span, i) for i in ignored):
                continue
            if not self._in_scope(span, modifier, target):
                continue
            low, high = sorted(
                (span.end, target.start) if span.end <= target.start else (target.end, span.start)
            )
            if any(
                low <= t.start < high
                and (
                    not self.rules.modifiers[t.rule_id].applies_to
                    or kind in self.rules.modifiers[t.rule_id].applies_to
                )
                for t in terminators
            ):
                continue
            found.append((kind, span.rule_id))
        return found

    def _in_scope(self, span: _Span, modifier: ModifierRule, target: _Span) -> bool:
        scope = modifier.scope or self.settings["default_scope"][modifier.kind]
        before = span.end <= target.start
        distance = target.start - span.end if before else span.start - target.end
        if distance < 0 or distance > scope:
            return False
        if modifier.direction == "forward":
            return before
        if modifier.direction == "backward":
            return not before
        return True

    def _set_levels(self, findings: list[Finding], prior_level: str, distressed: bool) -> None:
        for finding in findings:
            if finding.cleared_by or finding.rule.context:
                continue
            finding.level = _apply_modifiers(finding.rule.level, finding.modifiers)
        # A means question is risky after distress, earlier or in the same message.
        context = highest([prior_level, *(f.level for f in findings)])
        risky_context = distressed or level_rank(context) >= level_rank("low")
        for finding in findings:
            if finding.rule.context == "means" and not finding.cleared_by:
                level = finding.rule.level if risky_context else "none"
                finding.level = (
                    _apply_modifiers(level, finding.modifiers) if level != "none" else "none"
                )

    def _decide(self, findings: list[Finding]) -> ScreenResult:
        flagged = [f for f in findings if not f.cleared_by and f.level != "none"]
        means = any(f.rule.context == "means" and not f.cleared_by for f in findings)
        if not flagged:
            cleared = [f.cleared_by for f in findings if f.cleared_by]
            pseudo = ("pseudo",) if cleared else ()
            means_rules = tuple(f.rule.id for f in findings if f.rule.context and not f.cleared_by)
            return ScreenResult(
                "none", (), pseudo, tuple(dict.fromkeys(cleared)) + means_rules, means
            )
        # Highest level first; at one level the longest match first, as the most specific
        # ("want to stab him" says more than "want to stab"): it names the crisis intent,
        # and the modifiers reported are those of the matches in its category.
        flagged.sort(key=lambda f: (-level_rank(f.level), -(f.end - f.start)))
        level = flagged[0].level
        categories = dict.fromkeys(c for f in flagged for c in f.rule.categories)
        first = flagged[0].rule.categories[0]
        top = [f for f in flagged if f.level == level and first in f.rule.categories]
        modifiers = dict.fromkeys(k for f in top for k, _ in f.modifiers if k in REPORTED_KINDS)
        rules = dict.fromkeys(
            [f.rule.id for f in flagged]
            + [r for f in top for _, r in f.modifiers if r != f.rule.id]
        )
        return ScreenResult(level, tuple(categories), tuple(modifiers), tuple(rules), means)


# Words too common to choose which patterns a message needs to meet.
COMMON_WORDS = frozenset(
    """i me my myself you your he she they him her them his their it this that the a an and or
    to of in on at for with from by be have do not no so just what how why when who will would
    can could should if about up out all get go going want like know think feel really
    take make keep say tell work again give put use look find need try leave call ask start
    come see let mean help show one time day night week now""".split()  # noqa: SIM905
)


class _AnchoredMatchers:
    """spaCy Matchers keyed by a rare word: a message runs only the matchers of the
    key words it contains, so most of the rules are never tried on most messages."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab
        self.unanchored = Matcher(vocab)
        self.by_word: dict[str, Matcher] = {}

    def add(self, rule_id: str, spec: list[dict]) -> None:
        anchor = _anchor(spec)
        if anchor is None:
            self.unanchored.add(rule_id, [spec])
            return
        for word in anchor:
            if word not in self.by_word:
                self.by_word[word] = Matcher(self.vocab)
            self.by_word[word].add(rule_id, [spec])

    def __call__(self, doclike) -> list[tuple[int, int, int]]:
        words = {token.norm_ for token in doclike} | {token.lower_ for token in doclike}
        matches = set(self.unanchored(doclike)) if len(self.unanchored) else set()
        for word in words & self.by_word.keys():
            matches.update(self.by_word[word](doclike))
        return sorted(matches, key=lambda match: (match[1], match[2]))


def _anchor(spec: list[dict]) -> frozenset[str] | None:
    """The required word set of a compiled pattern that is least likely to be in a
    message: fewest common words, then fewest words. None if it needs no word at all."""
    best, best_score = None, None
    for token in spec:
        if token.get("OP") == "?":
            continue
        for attribute in ("NORM", "LOWER"):
            value = token.get(attribute)
            values = {value} if isinstance(value, str) else (value or {}).get("IN")
            if values:
                score = (len(COMMON_WORDS.intersection(values)), len(values))
                if best_score is None or score < best_score:
                    best, best_score = frozenset(values), score
    return best


def _apply_modifiers(level: str, modifiers: list[tuple[str, str]]) -> str:
    kinds = {kind for kind, _ in modifiers}
    if kinds & set(SOFTENING_KINDS):
        return LEVELS[max(level_rank("low"), level_rank(level) - 1)]
    if "imminent" in kinds and level == "high":
        return "imminent"
    return level


def _overlap(a: _Span, b: _Span) -> bool:
    return a.start < b.end and b.start < a.end


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop matches of one rule that lie inside a longer match of the same rule."""
    spans = sorted(set(spans), key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if kept and start >= kept[-1][0] and end <= kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def _closest(word: str, terms: tuple[str, ...]) -> str | None:
    """A key term that ``word`` is a likely misspelling of (one or two edits away)."""
    allowed = 1 if len(word) < 8 else 2
    for term in terms:
        close = abs(len(term) - len(word)) <= allowed and term[0] == word[0]
        if close and _edit_distance(word, term, allowed) <= allowed:
            return term
    return None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, swaps)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


CRISIS_INTENT_PREFIX = "crisis_"


def with_classifier(
    result: ScreenResult, text: str, intent: str | None, confidence: float
) -> ScreenResult:
    """Count a confident crisis intent from the classifier as a second signal.

    It can only raise a message the rules found harmless, never lower one, and
    never overrides a pseudo rule (the words were recognised as harmless).
    """
    screen = default_screen()
    settings = screen.settings["classifier"]
    if result.level != "none" or not is_crisis_intent(intent):
        return result
    if confidence < settings["min_confidence"] or "pseudo" in result.modifiers:
        return result
    if settings["requires_distress"] and not result.distress:
        return result
    if pseudo := screen.harmless_phrase(text):
        return replace(result, modifiers=("pseudo",), rules=(pseudo,))
    category = intent.removeprefix(CRISIS_INTENT_PREFIX)
    return replace(
        result, level=settings["level"], categories=(category,), rules=(f"classifier.{intent}",)
    )


ENTITY_FIELDS = {
    "risk_level": "level",
    "risk_category": "categories",
    "risk_modifier": "modifiers",
    "risk_rule": "rules",
}


def result_from_entities(entities: list[dict]) -> ScreenResult:
    """The NLU component's result, read back from the entities it stored on a message."""
    found: dict[str, list[str]] = {field: [] for field in ENTITY_FIELDS.values()}
    for entity in entities:
        field = ENTITY_FIELDS.get(entity.get("entity"))
        if field:
            found[field].append(entity.get("value"))
    return ScreenResult(
        (found["level"] or ["none"])[0],
        tuple(found["categories"]),
        tuple(found["modifiers"]),
        tuple(found["rules"]),
    )


def stronger(first: ScreenResult, second: ScreenResult) -> ScreenResult:
    """The higher of two results; on a tie the second, which saw more context."""
    return first if level_rank(first.level) > level_rank(second.level) else second


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
    """The screen with the shipped rules, built once per process."""
    return RiskScreen()


def screen_message(text: str, prior_level: str = "none") -> ScreenResult:
    return default_screen().screen(text, prior_level)
