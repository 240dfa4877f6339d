"""The argument checks every implementation of a store applies, so that the SQL and in-memory
stores accept and refuse exactly the same calls: `common` (times, JSON, text, counts) and one
module per concern (`conversations`, `pulse`, `admin`; the lifecycle store needs only the
common ones and `pulse.checked_respondent_key`).
"""
