"""Shared, tested logic for the CUFS sex-classification notebooks.

The notebooks hold the lesson (the Keras models, ``compile``, ``fit``, prediction, the threshold, the metrics);
this package holds what is not the lesson, and a reference copy of each architecture for notebook 06 and the
studies (``tests/test_notebook_models.py`` keeps the notebooks' models equal to them):

- ``start``: the setup cell's one import (quiet TensorFlow start-up, versions, logging);

- ``config``: seed, image size, folders (``$CUFS_DIR``, ``$CUFS_OUTPUT_DIR``);
- ``data``: finding, loading, labelling and splitting exactly the CUFS photos; artifacts between notebooks;
- ``provenance``: what each artifact was made from, checked before it is reused; ``storage``: atomic files;
- ``augmentation``: the report's augmentation, balancing, leakage counts;
- ``models``: the report's two architectures; ``training``: seeds, class weights, recipes, fitting;
- ``evaluation``: metrics, the validation-chosen threshold, figures, results files (with ``environment``);
- ``experiments``: the end-to-end steps several notebooks share;
- notebook 06: ``protocols`` (report's vs leak-free), ``imaging`` (resizing), ``baselines`` (classical
  methods), ``repeated`` (the loop over splits), ``summaries`` (means, intervals, paired differences);
- ``analysis``: feature maps, Grad-CAM, luminance; ``plots``: shared figures;
- ``readings``: the notebooks' prose about results, written from the run's own values; ``targets``: the targets;
- ``results``: reading the results files (light: the deck needs nothing else); ``pipeline``: the headless runner;
- ``results_table``: the README's findings and table, docs/results.md; ``slides``, ``browser``: the deck and its
  PDF; ``model_card``: MODEL_CARD.md;
- the studies notebook 07 reads: ``recipe_search`` (notebook 04's recipe), ``stability`` (notebook 04 over training
  seeds), ``baseline_seeds`` (notebook 02 over training seeds).
"""

from . import environment as _environment  # noqa: F401  (imported first by every notebook: starts its wall clock)
