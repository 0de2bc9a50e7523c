"""What the CUFS notebooks share: the data, the report's models, evaluation and figures; the machinery apart.

The notebooks hold the lesson (the Keras models, ``compile``, ``fit``, prediction, the threshold, the metrics);
this package holds what is not the lesson, and a reference copy of each architecture for notebooks 06 and 07 and the
studies (``tests/test_notebook_models.py`` keeps the notebooks' models equal to them). The modules the notebooks
import sit at the top; the machinery lives in three sub-packages.

Core, imported by the notebooks:

- ``start``: the setup cell's one import (quiet TensorFlow start-up, versions, logging);
- ``config``: seed, image size, folders (``$CUFS_DIR``, ``$CUFS_OUTPUT_DIR``), the test suite's quick setting;
- ``photos``: finding and decoding exactly the CUFS photos (the data policy of ``data/README.md``);
- ``sketches``: the CUFS sketches, each paired with its photo's person; only training people's reach training;
- ``data``: the report's DataFrame, the arrays a CNN reads and the seeded split; ``prepared_photos``;
- ``augmentation``: the report's augmentation, balancing, leakage counts;
- ``models``: the report's two architectures; ``training``: seeds, class weights, recipes, fitting, prediction;
- ``experiments``: the end-to-end steps several notebooks share (the report's protocol, the saved final models);
- ``evaluation``: metrics, the threshold chosen on validation, intervals, calibration;
- ``evaluation_plots``: ROC, confusion matrix, training history, reliability, spread over splits;
- ``plots``: the figure style, photo grids, class counts, training curves, saving under ``figures/``;
- ``analysis``: feature maps, Grad-CAM, luminance and group comparisons (notebook 05);
- ``protocols``: one split's data, the report's protocol (augment, then split) or leak-free (notebooks 06 and 07);
- ``imaging``: resizing batches, grey pixels; ``baselines``: the classical methods of notebook 07;
- ``methods``: the methods notebook 07 compares, its metrics and per-split records;
- ``split_statistics``: means, corrected intervals, the leak's inflation and paired tests over splits;
- ``published``: the source report's published numbers and parameter tables.

Machinery:

- ``studies``: the runs behind the notebooks' choices and claims: ``recipe_search`` (notebook 04's recipe),
  ``stability`` and ``baseline_seeds`` (notebooks 04 and 02 over seeds), ``analysis_seeds`` (notebook 05's
  measurements over seeds), ``levers`` (changes to training tried on validation photos, read by notebook 08;
  ``lever_training`` trains them), ``split_study`` and ``multisplit`` (the loop over splits that notebooks 06 and
  07 read, and its finalist);
- ``reporting``: ``results`` (every results file: names, fields, verdicts; written and read only there),
  ``targets`` (the targets and their verdicts), ``results_table`` (the README's
  findings and tables), ``slides`` (the deck's content) and ``deck`` with ``templates/`` (its HTML and PDF),
  ``model_card`` (MODEL_CARD.md);
- ``infra``: ``pipeline`` (the headless runner), ``artifacts`` (image artifacts between notebooks),
  ``provenance`` (what an artifact was made from), ``storage`` (atomic, pickle-free files), ``environment`` (the
  machine and code a result came from), ``versions`` (quiet TensorFlow import, tested versions), ``browser``
  (headless Chromium for the deck).

Imports point one way: core modules import core and ``infra`` (never ``studies`` or ``reporting``); ``studies`` and
``reporting`` import core and ``infra``; in ``infra`` only ``pipeline``, the top, imports ``reporting``, the rest
imports ``config`` at most. Only the notebooks import ``studies``.
"""

from helpers.infra import environment as _environment  # noqa: F401  (imported first by every notebook: starts its wall clock)
