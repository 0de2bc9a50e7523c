"""What is built from the results: the results files themselves (``results``, the only module that writes or
reads them), the targets and their verdicts, the README's tables, the deck and the model card; the notebooks'
prose is written by hand, in the notebooks."""
