"""The dataset card and the HTML report of a corpus."""
