"""Every tuning constant of matching and scoring, in one place so that tests pin them and an
edit is a conscious decision. Scores are 0-100 for matching and 0-1 shares for models."""

from __future__ import annotations

# --- understanding a free-text answer ------------------------------------------------------
# Two tokens count as the same word from this rapidfuzz ratio on (typos, plurals).
TOKEN_SIMILARITY = 80
# Words sharing their first STEM_PREFIX letters, and at least STEM_SHARE of the shorter word,
# are forms of one word ("adopt", "adoption") and count as this similar.
STEM_PREFIX = 5
STEM_SHARE = 0.7
STEM_SIMILARITY = 85.0
# Tokens shorter than this must match exactly: "IT" vs "is" are not a typo of each other.
FUZZY_MIN_LENGTH = 4
# Of a phrase score, how much is coverage of the phrase and how much precision on the input.
COVERAGE_SHARE = 0.85
# An option whose phrase is negated ("not IT") loses this much per point of negated coverage.
NEGATION_PENALTY = 1.0
# Accept the best option outright only when it scores this much...
ACCEPT_SCORE = 25.0
# ...and beats the runner-up by this margin; otherwise ask back.
ACCEPT_MARGIN = 8.0
# A clarification offers the options within this distance of the best one (at least two).
CLARIFY_SPREAD = 15.0
# Meaning (cosine similarity of vectors) maps to 0-100 linearly between these two.
MEANING_FLOOR = 0.2
MEANING_FULL = 0.6
# An option's meaning score averages its this many closest texts.
MEANING_TOP_K = 2
# Meaning counts fully from this many content words (plus one); less for shorter clauses.
MEANING_FULL_WORDS = 4
# Article snippets are long and general: their similarity counts at this share.
SNIPPET_MEANING_SHARE = 0.9
# A positive answer near an option's negative text ("nobody uses it") counts at this share.
NEGATIVE_TEXT_SHARE = 0.85
# Negated meaning is weaker evidence than negated words.
MEANING_AGAINST_SHARE = 0.6
# A clause's score mixes its word score and its meaning score, meaning at this share.
MEANING_SHARE = 0.5
# Of an answer's score for an option, the share from its mean over clauses (the rest from its
# best clause).
CLAUSE_MEAN_SHARE = 0.5
# The per-question classifier (`classifier.py`): its ridge penalty, and the share of its view
# in an answer's final score for each option.
CLASSIFIER_RIDGE = 1.0
CLASSIFIER_SHARE = 0.6
# Chatter ("the CRM is slow today") is told from answers by classifiers trained on the
# knowledge's `not_answers` as one more class: an answer is taken for chatter when that class
# beats every option by this margin (the diagnostic-wide classifier's verdict only while the
# clause reading gives no option CHATTER_MAX_SCORE: the answer then names an option plainly).
CHATTER_MARGIN = 20.0
CHATTER_WEIGHT = 1.5
# An answer whose nearest text is a chatter text this similar (cosine), nearer than any text of
# the options, is chatter too.
CHATTER_NEAR = 0.6
CHATTER_MAX_SCORE = 60.0
# Example answers up to this long also count as phrases for word matching (as synonyms do).
SHORT_ANSWER_CHARS = 90
# An option whose words an answer rejects this clearly ("IT shouldn't own it") gets nothing from
# the classifier, which hears the words but not the "not".
REJECTED_SCORE = 80.0
# An answer with a concession is asked back when its clauses favour one option by this margin
# and the classifier, hearing it whole, favours another this much (`_contested`).
CONTESTED_MARGIN = 20.0
CONTESTED_SCORE = 40.0
# ...unless, blended, the best option still leads by this much.
CONTESTED_SETTLED = 30.0
# A length of time inside an option's declared range ("eighteen months": a year or more).
DURATION_SCORE = 85.0
# ...and an option whose range does not hold the length named scores at most this.
DURATION_MISMATCH_CAP = 30.0
# A rejected option's opposite gets this share of the rejection.
OPPOSITE_SHARE = 0.5
# Two main clauses each pointing at a part (this much at least) of a joint option mean it.
JOINT_PART_SCORE = 45.0
JOINT_BONUS = 20.0
# A question about the options is about those scoring at least this for its words.
ASKED_ABOUT_SCORE = 40.0
# Answers longer than this are cut before matching: nobody types an essay as an answer.
MAX_MATCH_CHARS = 500

# --- finding snippets -----------------------------------------------------------------------
BM25_K1 = 1.2
BM25_B = 0.75
# Keywords are written to be searched for, so they count more than words of the text.
KEYWORD_BOOST = 2
# Query words missing from the vocabulary are looked up fuzzily from this length and score.
SNIPPET_FUZZY_MIN_LENGTH = 5
SNIPPET_FUZZY_SCORE = 85
# A snippet must score at least this to be offered as an answer to a question.
SNIPPET_MIN_SCORE = 1.0
# Answers to questions spread over articles: from the best limit * DIVERSE_POOL snippets, one
# from another article is preferred while it scores at least DIVERSE_MIN_SHARE of the best.
DIVERSE_POOL = 3
DIVERSE_MIN_SHARE = 0.5

# --- scoring the diagnostic -----------------------------------------------------------------
# Fewer answered questions than this give a first impression, not a recommendation.
MIN_ANSWERS = 3
# Share-of-weight gaps (0-1) between the top two models that make a result clear or leaning;
# anything smaller is a close call.
CLEAR_MARGIN = 0.12
LEANING_MARGIN = 0.05

# --- reading a team pulse -------------------------------------------------------------------
# A question splits the team when no answer has a clear majority (the most chosen has less than
# SPLIT_TOP_SHARE of the question's answers) and a real minority disagrees (the second most
# chosen has at least SPLIT_SECOND_SHARE). A split is worth discussing before deciding who owns
# AI, while one dissenter among many, or answers scattered in small pieces, is not a camp.
SPLIT_TOP_SHARE = 0.6
SPLIT_SECOND_SHARE = 0.25
