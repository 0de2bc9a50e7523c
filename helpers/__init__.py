"""Shared, tested logic for the CUFS sex-classification notebooks.

The notebooks tell the story; everything they compute lives here:

- ``config``: seed, image size, folders (``$CUFS_DIR``, ``$CUFS_OUTPUT_DIR``);
- ``data``: finding, loading, labelling and splitting the photos; artifacts between notebooks;
- ``augmentation``: the report's augmentation, balancing, leakage counts;
- ``models``: the report's two architectures; ``training``: seeds, class weights, recipes, fitting;
- ``evaluation``: metrics, the validation-chosen threshold, figures, results files;
- ``experiments``: the end-to-end steps several notebooks share; ``repeated``: notebook 06's protocols;
- ``analysis``: feature maps, Grad-CAM, luminance; ``plots``: shared figures;
- ``pipeline``: the headless runner; ``results_table``: the README's table; ``recipe_search``: notebook 04's search.
"""
