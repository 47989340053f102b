"""Step 2 of the risk screen: where the rules match, one sentence or clause at a time.

Trigger rules find risk language; ConText-style modifier rules (negated,
hypothetical, historical, third party, imminence, pseudo) are looked for near
each trigger, in the same sentence. A pattern never matches across a sentence
or clause end, so words from two thoughts ("I just took the job. … pills are
in the cupboard") never make one finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from spacy.attrs import LOWER, NORM, ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safety.normalise import Normaliser
from bot.safety.rules import ModifierRule, RuleSet, TriggerRule, bracket_phrases, compile_pattern

# Where a sentence or clause ends: a trigger or modifier never reaches past one.
CLAUSE_ENDS = frozenset({".", "!", "?", ";", "\n", "…"})
# Words too common to choose which patterns a message needs to meet.
COMMON_WORDS = frozenset(
    """i me my myself you your he she they him her them his their it this that the a an and or
    to of in on at for with from by be have do not no so just what how why when who will would
    can could should if about up out all get go going want like know think feel really
    take make keep say tell work again give put use look find need try leave call ask start
    come see let mean help show one time day night week now""".split()  # noqa: SIM905
)


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
class Span:
    rule_id: str
    start: int
    end: int
    sentence: int


class RuleMatcher:
    """The compiled rules: triggers and modifiers indexed by a rare word they need."""

    def __init__(self, rules: RuleSet, normaliser: Normaliser) -> None:
        self.rules = rules
        self.default_scope = rules.settings["default_scope"]
        self.triggers = _AnchoredMatchers(normaliser.vocab)
        # Pseudo phrases apart from the other modifiers: the screen looks for them alone
        # across the whole of a message the classifier raised.
        self.pseudo = _AnchoredMatchers(normaliser.vocab)
        self.modifiers = _AnchoredMatchers(normaliser.vocab)
        for rule_id, spec in compiled_patterns(rules, normaliser):
            if rule_id in rules.triggers:
                self.triggers.add(rule_id, spec)
            elif rules.modifiers[rule_id].kind == "pseudo":
                self.pseudo.add(rule_id, spec)
            else:
                self.modifiers.add(rule_id, spec)
        self._strings = normaliser.vocab.strings

    def findings(self, doc: Doc) -> list[Finding]:
        """Every trigger match, with the pseudo rule that cleared it or the modifiers
        that reach it. Levels are left for the decision step."""
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
        return findings

    def pseudo_spans(self, doc: Doc) -> list[tuple[str, int, int]]:
        """The pseudo phrases (idioms, harmless targets, definitions) a message contains:
        (rule id, start, end) in token positions."""
        words = token_words(doc)
        return [
            (self._strings[match_id], first, last)
            for start, end in sentence_bounds(doc)
            for match_id, first, last in self.pseudo(doc, start, end, words)
        ]

    def _spans(self, doc: Doc) -> tuple[list[Span], list[Span]]:
        """Trigger and modifier matches, sentence by sentence: a long message costs
        what its sentences cost, and no match can join two of them."""
        triggers, modifiers = [], []
        words = token_words(doc)
        for number, (start, end) in enumerate(sentence_bounds(doc)):
            matches = self.triggers(doc, start, end, words)
            if not matches:
                continue
            matches += self.pseudo(doc, start, end, words)
            matches += self.modifiers(doc, start, end, words)
            by_rule: dict[str, list[tuple[int, int]]] = {}
            for match_id, first, last in matches:
                by_rule.setdefault(self._strings[match_id], []).append((first, last))
            for rule_id, spans in by_rule.items():
                target = triggers if rule_id in self.rules.triggers else modifiers
                target += [Span(rule_id, first, last, number) for first, last in _outermost(spans)]
        triggers.sort(key=lambda span: span.start)
        return triggers, modifiers

    def _kind(self, span: Span) -> str:
        return self.rules.modifiers[span.rule_id].kind

    def _modifiers_for(
        self, target: Span, rule: TriggerRule, modifiers: list[Span]
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

    def _in_scope(self, span: Span, modifier: ModifierRule, target: Span) -> bool:
        scope = modifier.scope or self.default_scope[modifier.kind]
        before = span.end <= target.start
        distance = target.start - span.end if before else span.start - target.end
        if distance < 0 or distance > scope:
            return False
        if modifier.direction == "forward":
            return before
        if modifier.direction == "backward":
            return not before
        return True


def compiled_patterns(rules: RuleSet, normaliser: Normaliser) -> Iterator[tuple[str, list[dict]]]:
    """Every rule's patterns as spaCy Matcher patterns: (rule id, pattern)."""
    for rule in [*rules.triggers.values(), *rules.modifiers.values()]:
        for pattern in rule.patterns:
            for spec in compile_pattern(
                bracket_phrases(pattern, normaliser.known_phrases),
                rules.vocabulary,
                normaliser.canonical,
                normaliser.known_phrases,
                normaliser.pattern_words,
            ):
                yield rule.id, spec


def token_words(doc: Doc) -> list[tuple[int, ...]]:
    """Each token's normal form and lower case form, as vocab ids (one or both may key
    a matcher). Read through an array: a Python object per token is slow on long
    messages."""
    return [
        (norm,) if norm == lower else (norm, lower)
        for norm, lower in doc.to_array([NORM, LOWER]).tolist()
    ]


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) token positions of each sentence or clause; an end belongs to the
    clause it closes."""
    bounds, start = [], 0
    strings = doc.vocab.strings
    for position, orth in enumerate(doc.to_array(ORTH).tolist()):
        ends = _ENDS_CLAUSE.get(orth)
        if ends is None:
            text = strings[orth]
            ends = _ENDS_CLAUSE[orth] = text in CLAUSE_ENDS or "\n" in text
        if ends:
            bounds.append((start, position + 1))
            start = position + 1
    if start < len(doc):
        bounds.append((start, len(doc)))
    return bounds


_ENDS_CLAUSE: dict[int, bool] = {}  # a token's vocab id -> whether it ends a clause


class _AnchoredMatchers:
    """spaCy Matchers keyed by a rare word: a sentence runs only the matchers of the
    key words it contains, and each only on the few words around where its key word
    stands (a pattern of n words that needs the key word lies within n of it), so
    most rules are never tried and a long sentence costs little more than a short one.

    Under one key word, patterns are grouped by the other words they need; a group
    runs only when the sentence holds one word of each of its sets (a pattern keyed
    on "want" that also needs "die" is not tried on a sentence without "die")."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab
        # key word id -> {the bits of the other word sets its patterns need: their Matcher}
        self.by_word: dict[int, dict[int, Matcher]] = {}
        self.reach: dict[int, int] = {}  # the longest pattern, in words, under each key word
        # Each word set a pattern needs is one bit; a word id -> the bits of the sets it is in.
        # Bit 0 stands for "nothing more needed" and every sentence has it.
        self._set_bits: dict[frozenset[str], int] = {}
        self._word_bits: dict[int, int] = {}
        # key word id -> one bit from each of its groups, the rarest word set that group
        # needs: a sentence with none of them runs none of the groups, and most key words
        # in a long message are turned away by this one test.
        self._first_needs: dict[int, int] = {}
        # word id -> (its word set bits, whether it keys matchers), for one lookup a token;
        # worked out from the two above on first use, once every pattern is added.
        self._roles: dict[int, tuple[int, bool]] | None = None

    def add(self, rule_id: str, spec: list[dict]) -> None:
        needed = _needed_words(spec)
        if not needed:
            raise ValueError(f"rule {rule_id}: a pattern needs at least one required word")
        anchor, *rest = sorted(needed, key=_rarity)
        self._roles = None  # to be worked out again with this pattern
        others = 0
        for values in rest:
            others |= self._bit(values)
        first_need = self._bit(rest[0]) if rest else 1
        for word in anchor:
            word_id = self.vocab.strings.add(word)
            groups = self.by_word.setdefault(word_id, {})
            if others not in groups:
                # spaCy's check of each pattern took 15 s of every process's start; the
                # patterns are checked once, by tests/safety/test_screen_steps.py.
                groups[others] = Matcher(self.vocab, validate=False)
            groups[others].add(rule_id, [spec])
            self._first_needs[word_id] = self._first_needs.get(word_id, 0) | first_need
            self.reach[word_id] = max(self.reach.get(word_id, 0), len(spec))

    def _bit(self, values: frozenset[str]) -> int:
        bit = self._set_bits.get(values)
        if bit is None:
            bit = self._set_bits[values] = 1 << (len(self._set_bits) + 1)
            for word in values:
                word_id = self.vocab.strings.add(word)
                self._word_bits[word_id] = self._word_bits.get(word_id, 0) | bit
        return bit

    def __call__(
        self, doc: Doc, start: int, end: int, words: list[tuple[int, ...]]
    ) -> list[tuple[int, int, int]]:
        """Matches (rule, start, end) in doc[start:end], positions in the doc;
        ``words`` holds each token's (norm, lower case) vocab ids."""
        where: dict[int, list[int]] = {}
        present = 1  # the bits of the word sets the sentence holds a word of
        if self._roles is None:
            words_with_a_role = self._word_bits.keys() | self.by_word.keys()
            self._roles = {
                word: (self._word_bits.get(word, 0), word in self.by_word)
                for word in words_with_a_role
            }
        roles, by_word, first_needs = self._roles, self.by_word, self._first_needs
        for position in range(start, end):
            for word in words[position]:
                role = roles.get(word)  # most words have none
                if role is not None:
                    present |= role[0]
                    if role[1]:
                        where.setdefault(word, []).append(position)
        matches = set()
        for word, positions in where.items():
            if not first_needs[word] & present:
                continue
            runnable = [m for others, m in by_word[word].items() if others & present == others]
            if not runnable:
                continue
            for first, last in _windows(positions, self.reach[word], start, end):
                window = doc[first:last]
                for matcher in runnable:
                    matches.update((rule, first + s, first + e) for rule, s, e in matcher(window))
        return sorted(matches, key=lambda match: (match[1], match[2]))


def _windows(positions: list[int], reach: int, start: int, end: int) -> list[tuple[int, int]]:
    """The stretches within ``reach`` words of the positions, overlapping ones joined."""
    windows: list[tuple[int, int]] = []
    for position in positions:
        first, last = max(start, position - reach + 1), min(end, position + reach)
        if windows and first <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return windows


def _rarity(values: frozenset[str]) -> tuple:
    """Sorts the word sets least likely to be in a message first."""
    return len(COMMON_WORDS & values), len(values), sorted(values)


def _needed_words(spec: list[dict]) -> set[frozenset[str]]:
    """The word sets a compiled pattern needs, one per required token: a message
    can match only if it holds one word of each."""
    needed = set()
    for token in spec:
        if token.get("OP") == "?":
            continue
        for attribute in ("NORM", "LOWER"):
            value = token.get(attribute)
            values = {value} if isinstance(value, str) else (value or {}).get("IN")
            if values:
                needed.add(frozenset(values))
    return needed


def _overlap(a: Span, b: Span) -> bool:
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
