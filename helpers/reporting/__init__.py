"""What is built from the results: the results files (``results``, the only module that writes or reads them) and
their targets, and every document (``documents``: the README's blocks, docs/results.md, the model card and the deck,
rendered through the templates of ``templates/``); the notebooks' prose is written by hand, in the notebooks."""
