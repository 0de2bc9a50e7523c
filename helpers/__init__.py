"""What the CUFS notebooks share; the notebooks themselves hold the lesson (Keras models, fitting, metrics).

Core, imported by the notebooks:

- ``start``: the setup cell's one import (quiet TensorFlow, versions, logging);
- ``config``: seed, image size, folders (``$CUFS_DIR``, ``$CUFS_OUTPUT_DIR``), the test suite's quick setting;
- ``photos``: finding and decoding exactly the CUFS photos (the data policy of ``data/README.md``);
- ``sketches``: the CUFS sketches, each tied to its person; only training people's reach training;
- ``data``: the photos' DataFrame (``prepared_photos``), the arrays a CNN reads, the seeded split;
- ``augmentation``: the report's augmentation, balancing, leakage counts;
- ``models``: the report's two architectures (``tests/test_notebook_models.py`` keeps the notebooks' equal);
- ``recipes``: how a CNN is trained (``Recipe``) and the final CNN's variants (``Variant``);
- ``training``: seeds, class weights, fitting, refitting, prediction;
- ``experiments``: the steps several notebooks and studies share (the report's protocol, training each model);
- ``evaluation``: metrics, the threshold chosen on validation, intervals, calibration;
- ``evaluation_plots``: the test scores' ROC curve and confusion matrices;
- ``plots``: the figure style, photo grids, class counts, training curves, saving under ``figures/``;
- ``analysis``: feature maps, Grad-CAM, luminance and group comparisons (notebook 05);
- ``protocols``: one split's data, the report's protocol (augment, then split) or leak-free;
- ``imaging``: resizing batches, grey pixels;
- ``baselines``: the classical methods of notebook 07;
- ``methods``: the methods notebook 07 compares, its metrics and per-split records;
- ``split_statistics``: means, corrected intervals, the leak's inflation and paired tests over splits;
- ``published``: the source report's published numbers and parameter tables.

Machinery:

- ``studies.recipe_search``: notebook 04's recipe, chosen on validation;
- ``studies.stability``: notebook 04 over seeds;
- ``studies.baseline_seeds``: notebook 02 over seeds;
- ``studies.analysis_seeds``: notebook 05's measurements over seeds;
- ``studies.levers``: changes to training tried on validation photos (notebook 08);
- ``studies.lever_training``: the levers' models and their nested refit;
- ``studies.split_study``: the loop over splits that notebooks 06 and 07 read, and the studies' shared command;
- ``studies.multisplit``: every method on one split, and its finalist;
- ``reporting.results``: every results file: names, fields (checked when written and read), loading, writing;
- ``reporting.targets``: the targets and their verdicts;
- ``reporting.documents``: the README's findings and table, docs/results.md, MODEL_CARD.md and the deck (HTML and
  PDF), rendered from the results through the templates of ``templates/``;
- ``infra.pipeline``: the headless runner;
- ``infra.provenance``: what a study was made from;
- ``infra.storage``: atomic, pickle-free files;
- ``infra.environment``: the machine and code a result came from;
- ``infra.versions``: quiet TensorFlow import, tested versions;
- ``infra.browser``: headless Chromium for the deck.

Imports point one way (docs/development.md): core never imports ``studies`` or ``reporting``.
"""

from helpers.infra import environment as _environment  # noqa: F401  (imported first by every notebook: starts its wall clock)
