"""What a re-run of notebook 05 can give (``python -m helpers.studies.analysis_seeds``): notebooks 03 to 05 with
``--seed S``; reading needs neither NumPy nor pandas, as the model card and the deck quote ``counts``."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

from helpers.studies.split_study import committed, parser, stamp, write

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

RESULTS_NAME = "05_analysis_seeds"
SEEDS = tuple(range(23, 30))  # 23 is the committed run; 29 the seed whose run first broke notebook 05's old asserts
REGIONS = ("top", "face", "side")
VARIANT = "D"  # notebook 04's model: one recipe-D model at full size


def measure(members: list[Any], flip: bool, balanced: pd.DataFrame, images: np.ndarray,
            labels: np.ndarray, splits: dict[str, np.ndarray], scale: float) -> dict[str, Any]:
    """Notebook 05's measurements of one trained ensemble on its split."""
    import numpy as np
    from sklearn import metrics

    from helpers import analysis, imaging, models, training  # TensorFlow: only when a study runs

    x_val, y_val = imaging.downsize(images[splits["validation"]], scale), labels[splits["validation"]]
    x_test = imaging.downsize(images[splits["test"]], scale)
    test = balanced.iloc[splits["test"]].reset_index(drop=True)
    fpr, tpr, cuts = metrics.roc_curve(y_val, training.predict_scores(members, x_val, tta=flip))
    threshold = float(cuts[np.argmax(tpr - fpr)])
    test["p_female"] = training.predict_scores(members, x_test, tta=flip)
    test["predicted"] = (test["p_female"] >= threshold).astype(int)
    test["correct"] = test["predicted"] == test["sex"]
    errors = test[~test["correct"]]
    some_errors = 0 < len(errors) < len(test)

    real = ~balanced["augmented"].to_numpy()
    lighting = analysis.lighting_statistics(x_test, test["correct"].to_numpy(), test["p_female"].to_numpy(),
                                            images[real], labels[real])
    deep = analysis.feature_maps(members[0], x_test, models.conv_layer_names(members[0])[-1])
    top_rows = int(round(0.3 * deep.shape[1]))

    def favouring_top(maps: np.ndarray) -> int:
        """How many of the 16 most active channels put more than 30 % of their activation in the top 30 %."""
        strongest = np.argsort(maps.sum(axis=(0, 1)))[::-1][:16]
        totals = maps[:, :, strongest].sum(axis=(0, 1))
        shares = maps[:top_rows, :, strongest].sum(axis=(0, 1)) / np.where(totals > 0, totals, 1.0)
        return int(np.sum(shares > 0.3))

    heatmaps = np.stack([analysis.grad_cam_of_ensemble(members, image, bool(female))
                         for image, female in zip(x_test, test["predicted"], strict=True)])
    shares = analysis.grad_cam_shares(heatmaps)
    # A flat heatmap's share of a region is the region's share of the image.
    areas = {region: float(area) for region, area in zip(
        REGIONS, analysis.grad_cam_shares(np.ones((1, *x_test.shape[1:3]))).iloc[0], strict=True)}
    enrichment = {}
    for decided, name in ((0, "decided male"), (1, "decided female")):
        chosen = shares[test["predicted"].to_numpy() == decided]
        enrichment[name] = ({region: float(chosen[f"cam_{region}_share"].mean() / areas[region])
                             for region in REGIONS} if len(chosen) else None)
    confident = test[test["correct"] & (test["sex"] == 1)].nlargest(4, "p_female")
    train_sources = set(balanced["source"].iloc[splits["train"]])
    return {
        "threshold": threshold, "test_images": len(test),
        "test_auc": float(metrics.roc_auc_score(test["sex"], test["p_female"])),
        "errors": len(errors), "female_called_male": int((errors["sex"] == 1).sum()),
        "male_called_female": int((errors["sex"] == 0).sum()), "augmented_errors": int(errors["augmented"].sum()),
        "decided_female": int(test["predicted"].sum()),
        "luminance_errors_vs_correct_p": float(lighting["errors_vs_correct"]["p_value"]) if some_errors else None,
        "luminance_errors_minus_correct": (float(lighting["errors_vs_correct"]["mean_difference"]) if some_errors
                                           else None),
        "spearman_luminance_p_female": lighting["rho"], "spearman_p": lighting["rho_p"],
        "deep_channels_favouring_top_of_shown_image": favouring_top(deep[int(errors.index[0]) if len(errors) else 0]),
        "deep_channels_favouring_top_mean": float(np.mean([favouring_top(m) for m in deep])),
        "region_areas": areas, "grad_cam_enrichment": enrichment,
        "confident_female_augmented": int(confident["augmented"].sum()),
        "confident_female_from_training_photos": int((confident["augmented"]
                                                      & confident["source"].isin(train_sources)).sum()),
    }


def run(seeds: tuple[int, ...] = SEEDS, scale: float = 1.0, epochs: int | None = None,
        data_dir: str | None = None) -> dict[str, Any]:
    """Train notebook 04's model once per seed (data, split and training drawn by it) and measure it."""
    if len(seeds) < 2:
        raise ValueError("a spread needs at least 2 seeds")
    import keras

    from helpers import experiments, imaging

    started, rows = time.perf_counter(), []
    for seed in seeds:
        balanced, images, labels, splits = experiments.report_protocol_data(data_dir, seed=seed)
        sets = {role: (imaging.downsize(images[idx], scale), labels[idx]) for role, idx in splits.items()}
        members, _, flip = experiments.train_variant(sets["train"], sets["validation"], VARIANT, seed, epochs)
        rows.append({"seed": seed, **measure(members, flip, balanced, images, labels, splits, scale)})
        keras.backend.clear_session()
        cams = rows[-1]["grad_cam_enrichment"]
        print(f"seed {seed}: {rows[-1]['errors']} errors | Grad-CAM, decided female: {cams['decided female']}"
              f" | decided male: {cams['decided male']}")
    return {"variant": VARIANT, "image_scale": scale, "seeds": list(seeds), "runs": len(rows),
            "epochs_override": epochs, "quick": epochs is not None, "rows": rows,
            "environment": stamp(seeds[0], started)}


load = partial(committed, RESULTS_NAME)  # notebooks 04 and 05's document: the committed one, or the file given


def enrichment_table(document: dict[str, Any]) -> pd.DataFrame:
    """One row per seed and decision: each region's Grad-CAM share over its area share (1 = no preference)."""
    import pandas as pd

    return pd.DataFrame([{"seed": row["seed"], "decision": decision, **values}
                         for row in document["rows"]
                         for decision, values in row["grad_cam_enrichment"].items() if values is not None])


def counts(document: dict[str, Any]) -> dict[str, int]:
    """How many seeds support each reading of notebook 05 (the model card and the deck quote them)."""
    rows = document["rows"]
    both = [row["grad_cam_enrichment"] for row in rows
            if all(row["grad_cam_enrichment"].get(d) for d in ("decided female", "decided male"))]
    return {
        "seeds": len(rows), "seeds_with_both_decisions": len(both),
        "female_face_below_area": sum(c["decided female"]["face"] < 1 for c in both),
        "female_hair_above_face": sum(min(c["decided female"]["top"], c["decided female"]["side"])
                                      > c["decided female"]["face"] for c in both),
        "male_face_above_area": sum(c["decided male"]["face"] > 1 for c in both),
        "male_face_above_female_face": sum(c["decided male"]["face"] > c["decided female"]["face"] for c in both),
        "female_called_male": sum(row["female_called_male"] for row in rows),
        "male_called_female": sum(row["male_called_female"] for row in rows),
        "seeds_more_female_errors": sum(row["female_called_male"] > row["male_called_female"] for row in rows),
        "seeds_more_male_errors": sum(row["female_called_male"] < row["male_called_female"] for row in rows),
        "errors_min": min(row["errors"] for row in rows), "errors_max": max(row["errors"] for row in rows),
        "test_images": rows[0]["test_images"],
    }


def main(argv: list[str] | None = None) -> int:
    command = parser("Notebook 05's measurements over seeds.")
    command.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    command.add_argument("--scale", type=float, default=1.0, help="image scale (default: notebook 04's, 1.0)")
    args = command.parse_args(argv)
    import helpers.start  # noqa: F401 (TensorFlow's start-up noise off)

    write(RESULTS_NAME, run(tuple(args.seeds), args.scale, args.epochs, args.data_dir), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
