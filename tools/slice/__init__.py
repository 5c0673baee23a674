"""`make slice NAME=verb_noun`: writes a new slice from the template, with TODOs that fail loudly."""
