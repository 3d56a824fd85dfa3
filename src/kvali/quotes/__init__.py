"""Quotes fit to publish: dialect and Nynorsk forms found and rendered in the study\x27s written standard."""
