"""The studies behind the notebooks' choices and notebook 06's loop over splits: recipe search, training-seed
stability of notebooks 04 and 02, the multi-split runner. Each study is a command (``python -m helpers.studies.X``)
that writes its results file through ``helpers.reporting.results``."""
