"""Shared, tested logic for the CUFS sex-classification notebooks.

The notebooks tell the story; everything they compute lives here:

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
- ``readings``: the notebooks' prose about results, written from the run's own values;
- ``pipeline``: the headless runner; ``results_table``: the README's table; ``recipe_search``: notebook 04's search.
"""

from . import environment as _environment  # noqa: F401  (imported first by every notebook: starts its wall clock)
