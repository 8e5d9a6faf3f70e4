"""Which watchlist entries an article names (pure): Turkish text, suffixes, the common-word
lexicon, watchlist values, the index, the matcher, its explanations and labelled examples."""
