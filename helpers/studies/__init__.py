"""The studies behind the notebooks' choices and claims, and notebook 06's loop over splits: recipe search, notebooks
02, 04 and 05 over seeds, the multi-split runner. Each study is a command (``python -m helpers.studies.X``)
that writes its results file through ``helpers.reporting.results``."""
