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
ACCEPT_SCORE = 70.0
# ...and beats the runner-up by this margin; otherwise ask back.
ACCEPT_MARGIN = 15.0
# A clarification offers the options within this distance of the best one (at least two).
CLARIFY_SPREAD = 15.0
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
