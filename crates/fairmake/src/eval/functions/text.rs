//! Text functions: subst, patsubst, strip, findstring, filter, filter-out, sort, word, wordlist, words, firstword, lastword, join.
