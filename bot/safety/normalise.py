"""Step 1 of the risk screen: a message as normalised tokens.

Lower case, plain characters, slang and abbreviations spelled out (normalise.yml),
misspellings of key terms corrected, every word in its dictionary form, and each
known phrase ("sleeping pills", "right now") one token, as in the patterns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from pathlib import Path

import numpy
import spacy
import spacy_lookups_data
import srsly
from spacy.attrs import NORM, ORTH
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

from bot.messages import SURROGATES
from bot.safety.rules import RuleSet, phrases

LEMMA_LOOKUP = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
NORM_CACHE_SIZE = 200_000  # distinct words; cleared when full


# A full stop, question or exclamation mark between a word and a capitalised one.
MISSING_SPACE = re.compile(r"(?<=[a-z])([.!?])(?=[A-Z])")


class Normaliser:
    """Built once from the rules' normalisation data and word sets."""

    def __init__(self, rules: RuleSet) -> None:
        normalisation = rules.normalisation
        # spaCy's English tokenizer and the dictionary forms of spacy-lookups-data's
        # lookup lemmatizer, read directly so each word's form is worked out once.
        self.nlp = spacy.blank("en")
        self.vocab = self.nlp.vocab
        self._lemmas: dict[str, str] = srsly.read_gzip_json(LEMMA_LOOKUP)
        self._norms: dict[str, str] = {}
        self._norm_ids: dict[int, int] = {}  # a word's id in the vocab -> its normal form's
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
        self._known_words.update(w for words in rules.vocabulary.values() for w in words)
        self.known_phrases = phrases(rules)
        self.phrase_matcher = PhraseMatcher(self.vocab, attr="NORM")
        for phrase in self.known_phrases:
            self.phrase_matcher.add("phrase", [Doc(self.vocab, words=self.canonical(phrase))])

    def normalise_text(self, text: str) -> str:
        """Lower case, plain characters, slang and abbreviations spelled out."""
        # Lone surrogates (from JSON escapes) cannot be tokenised: the screen must not fail.
        text = SURROGATES.sub("\ufffd", unicodedata.normalize("NFKC", text))
        # A sentence end typed without its space ("end it.I know") still ends the sentence.
        text = MISSING_SPACE.sub(r"\1 ", text).lower()
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
        text = re.sub(r"(?<=[a-z])[-_/](?=[a-z])", " ", text)
        text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "sooo" -> "soo", "killlll" -> "kill"
        return self._replace_pattern.sub(lambda m: self._replacement(m.group(1)), text)

    def _replacement(self, found: str) -> str:
        return self._replacements[re.sub(r"\s+", " ", found)]

    def norm(self, text: str) -> str:
        """A word's normal form: our overrides, a corrected misspelling, or its dictionary form."""
        norm = self._norms.get(text)
        if norm is None:
            norm = self._overrides.get(text)
            unknown = text.isalpha() and len(text) >= 5 and text not in self._known_words
            if norm is None and unknown and (corrected := closest(text, self._fuzzy_terms)):
                norm = self._overrides.get(corrected, self._lemmas.get(corrected, corrected))
            if norm is None:
                norm = self._lemmas.get(text, text)
            if len(self._norms) > NORM_CACHE_SIZE:
                self._norms.clear()
            self._norms[text] = norm
        return norm

    def canonical(self, word: str) -> list[str]:
        """The normal forms of a word or phrase from a pattern or a word set."""
        doc = self.nlp.make_doc(self.normalise_text(word))
        return [self.norm(token.text) for token in doc if not token.is_space]

    def pattern_words(self, words: str) -> list[str]:
        """The tokens of several words in a pattern, known phrases merged as in a message."""
        return [token.norm_ for token in self.parse(words) if not token.is_space]

    def parse(self, text: str) -> Doc:
        doc = self.nlp.make_doc(self.normalise_text(text))
        # Set through arrays of word ids: a Python object per token cost most of a long
        # message's time.
        norms = [self._norm_id(orth) for orth in doc.to_array(ORTH).tolist()]
        doc.from_array([NORM], numpy.array(norms, dtype=numpy.uint64).reshape(-1, 1))
        return self.merge_phrases(doc)

    def _norm_id(self, orth: int) -> int:
        norm_id = self._norm_ids.get(orth)
        if norm_id is None:
            if len(self._norm_ids) > NORM_CACHE_SIZE:
                self._norm_ids.clear()
            strings = self.vocab.strings
            norm_id = self._norm_ids[orth] = strings.add(self.norm(strings[orth]))
        return norm_id

    def merge_phrases(self, doc: Doc) -> Doc:
        """Make each known phrase ("sleeping pills", "right now") one token, as in the patterns."""
        spans = filter_spans([doc[start:end] for _, start, end in self.phrase_matcher(doc)])
        if spans:
            with doc.retokenize() as retokenizer:
                for span in spans:
                    retokenizer.merge(span, attrs={"NORM": "_".join(t.norm_ for t in span)})
        return doc


def words(doc: Doc, leave_out: Container[int] = ()) -> str:
    """The normalised message as one string of words, as the classifier reads it,
    without the tokens at the positions in ``leave_out``."""
    return " ".join(token.norm_ for token in doc if not token.is_space and token.i not in leave_out)


def closest(word: str, terms: tuple[str, ...]) -> str | None:
    """A key term that ``word`` is a likely misspelling of (one or two edits away)."""
    allowed = 1 if len(word) < 8 else 2
    for term in terms:
        close = abs(len(term) - len(word)) <= allowed and term[0] == word[0]
        if close and edit_distance(word, term, allowed) <= allowed:
            return term
    return None


def edit_distance(a: str, b: str, limit: int) -> int:
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
