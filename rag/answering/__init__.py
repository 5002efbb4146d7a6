"""Answers with citations: history normalisation, follow-up rewriting, and answer generators."""
