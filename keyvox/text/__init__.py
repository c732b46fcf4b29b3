"""The text chain between the engine and the window: dictionary, spoken punctuation, fillers, the
hallucination guard, spacing and capitals (chain joins them; docs/text.md)."""
