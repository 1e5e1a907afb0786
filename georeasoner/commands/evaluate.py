"""``georeasoner eval PRED --truth TRUTH``: score predicted locations against the truth.

Both files are CSV or any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON...).
Rows are matched by ``--id`` or, without it, by order. Metrics: georeasoner.evaluation.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from georeasoner.errors import GeoReasonerError
from georeasoner.fileio import atomic_output

log = logging.getLogger(__name__)

#: Layer read from a multi-layer GeoPackage (the main layer of `georeasoner geolocate`).
PREFERRED_LAYER = "photos"
RESULT_COORDINATES = ("gr_lat", "gr_lon")
PLAIN_COORDINATES = ("lat", "lon")
#: x-axis range of the error CDF: 100 m to half the Earth's circumference.
CDF_MIN_KM, CDF_MAX_KM = 0.1, 20_038.0


def add_parser(subparsers, name: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help="score predicted locations against true ones",
        description=(
            "Score predicted locations against true ones. Accuracies are over all truth rows: "
            "a missing prediction is an abstention and counts as wrong. " + _metrics_footer()
        ),
    )
    parser.add_argument("pred", help="predictions: CSV, GeoPackage, Shapefile, GeoJSON")
    parser.add_argument("--truth", required=True, help="true locations, same formats")
    parser.add_argument("--id", metavar="COL", help="join the two files on this column (default: match rows by order)")
    parser.add_argument("--pred-lat", metavar="COL", help="predicted latitude column (default: gr_lat, else lat)")
    parser.add_argument("--pred-lon", metavar="COL", help="predicted longitude column (default: gr_lon, else lon)")
    parser.add_argument("--pred-text", metavar="COL", help="geocode this text column (e.g. 'Lyon, France') instead")
    parser.add_argument("--truth-lat", metavar="COL", help="true latitude column (default: lat)")
    parser.add_argument("--truth-lon", metavar="COL", help="true longitude column (default: lon)")
    parser.add_argument("--json", metavar="OUT", help="also write the metrics as a JSON object")
    parser.add_argument("--plot", metavar="OUT.png", help="also plot the cumulative error distribution")
    return parser


def run(args: argparse.Namespace) -> int:
    from georeasoner.evaluation import error_km, evaluate

    if args.pred_text and (args.pred_lat or args.pred_lon):
        raise GeoReasonerError("give either --pred-text or --pred-lat/--pred-lon, not both")
    pred = read_table(args.pred)
    truth = read_table(args.truth)
    true_lat, true_lon = coordinate_columns(
        truth, args.truth_lat, args.truth_lon, [PLAIN_COORDINATES], "truth", args.truth
    )
    pred_lat, pred_lon = predicted_coordinates(args, pred, truth)

    metrics = evaluate(pred_lat, pred_lon, true_lat, true_lon)
    print(format_table(metrics, args.pred, args.truth))
    if args.json:
        write_json(metrics, args.json)
    if args.plot:
        plot_error_cdf(error_km(pred_lat, pred_lon, true_lat, true_lon), args.plot)
    return 0


def predicted_coordinates(args: argparse.Namespace, pred, truth) -> tuple[np.ndarray, np.ndarray]:
    """One predicted point per truth row, in truth order; NaN for abstentions."""
    if args.pred_text:
        column = _require_column(pred, args.pred_text, args.pred)
        return geocode_column(align_rows(pred, truth, args.id, args.pred, args.truth)[column])
    lat, lon = coordinate_columns(
        pred, args.pred_lat, args.pred_lon, [RESULT_COORDINATES, PLAIN_COORDINATES], "pred", args.pred
    )
    aligned = align_rows(pred.assign(_lat=lat, _lon=lon), truth, args.id, args.pred, args.truth)
    return aligned["_lat"].to_numpy(float), aligned["_lon"].to_numpy(float)


def read_table(path: str):
    """The attribute table of a CSV or vector file (a GeoDataFrame when it has geometry)."""
    import pandas as pd
    import pyogrio

    source = Path(path)
    if not source.exists():
        raise GeoReasonerError(f"{path} does not exist; check the path")
    try:
        if source.suffix.lower() == ".csv":
            return pd.read_csv(source)
        return pyogrio.read_dataframe(source, layer=_layer_to_read(source))
    except (pyogrio.errors.DataSourceError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise GeoReasonerError(f"cannot read {path}: {exc}; give a CSV or a vector file GDAL can open") from exc


def _layer_to_read(source: Path) -> str | None:
    import pyogrio

    names = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    if PREFERRED_LAYER in names:
        return PREFERRED_LAYER
    return names[0] if names else None


def coordinate_columns(frame, lat_col, lon_col, defaults, side: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes (EPSG:4326 degrees, NaN where missing) of every row.

    Named columns win; otherwise the first pair of ``defaults`` the table holds; otherwise
    the table's point geometry, reprojected to EPSG:4326. ``side`` is 'pred' or 'truth'.
    """
    if lat_col or lon_col:
        if not (lat_col and lon_col):
            raise GeoReasonerError(f"give both --{side}-lat and --{side}-lon")
        return _numeric(frame, lat_col, label), _numeric(frame, lon_col, label)
    for default_lat, default_lon in defaults:
        if default_lat in frame.columns and default_lon in frame.columns:
            return _numeric(frame, default_lat, label), _numeric(frame, default_lon, label)
    points = _point_coordinates(frame)
    if points is not None:
        return points
    wanted = " or ".join(f"{lat}/{lon}" for lat, lon in defaults)
    raise GeoReasonerError(
        f"{label} has no {wanted} columns nor point geometry; name its coordinate columns with "
        f"--{side}-lat COL --{side}-lon COL (columns: {', '.join(map(str, frame.columns))})"
    )


def _point_coordinates(frame) -> tuple[np.ndarray, np.ndarray] | None:
    """Latitudes and longitudes of a georeferenced point layer; None for other tables."""
    if "geometry" not in frame.columns or getattr(frame, "crs", None) is None:
        return None
    geometry = frame.geometry.to_crs(4326)
    if not geometry.geom_type.dropna().eq("Point").all():
        return None
    missing = geometry.isna() | geometry.is_empty
    lat = np.where(missing, np.nan, geometry.y.to_numpy(float))
    lon = np.where(missing, np.nan, geometry.x.to_numpy(float))
    return lat, lon


def _require_column(frame, column: str, label: str) -> str:
    if column not in frame.columns:
        raise GeoReasonerError(f"{label} has no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    return column


def _numeric(frame, column: str, label: str) -> np.ndarray:
    """A column as floats; empty cells become NaN, any other non-number is an error."""
    import pandas as pd

    values = frame[_require_column(frame, column, label)]
    numbers = pd.to_numeric(values, errors="coerce")
    blank = values.isna() | values.astype(str).str.strip().eq("")
    bad = numbers.isna() & ~blank
    if bad.any():
        raise GeoReasonerError(
            f"column {column!r} of {label} holds non-numeric values such as {values[bad].iloc[0]!r}; "
            "pick the numeric coordinate columns"
        )
    return numbers.to_numpy(float)


def align_rows(pred, truth, id_col: str | None, pred_label: str, truth_label: str):
    """The prediction rows in truth order, one per truth row (all-NaN where none matches)."""
    if id_col is None:
        if len(pred) != len(truth):
            raise GeoReasonerError(
                f"{pred_label} has {len(pred)} rows but {truth_label} has {len(truth)}; "
                "pass --id COL to join them on a column both hold"
            )
        return pred.reset_index(drop=True)
    pred_keys = _join_key(pred[_require_column(pred, id_col, pred_label)])
    truth_keys = _join_key(truth[_require_column(truth, id_col, truth_label)])
    for keys, label in ((pred_keys, pred_label), (truth_keys, truth_label)):
        duplicated = keys[keys.duplicated()]
        if len(duplicated):
            raise GeoReasonerError(f"{label} holds {id_col}={duplicated.iloc[0]} more than once; ids must be unique")
    unmatched = int((~pred_keys.isin(truth_keys)).sum())
    if unmatched:
        log.warning("%d rows of %s have no %s in %s; ignored", unmatched, pred_label, id_col, truth_label)
    aligned = pred.set_axis(pred_keys.to_numpy(), axis=0).reindex(truth_keys.to_numpy())
    return aligned.reset_index(drop=True)


def _join_key(values):
    """Ids as strings, so that 7, 7.0 and '7' from different formats all match."""
    import pandas as pd

    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype(str).reset_index(drop=True)


def geocode_column(texts) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of each place name; empty names and names with no match are abstentions."""
    from georeasoner.geo.geocode import geocode_many

    names = ["" if text is None or text != text else str(text).strip() for text in texts]
    to_geocode = [i for i, name in enumerate(names) if name]
    lat = np.full(len(names), np.nan)
    lon = np.full(len(names), np.nan)
    for i, place in zip(to_geocode, geocode_many([names[i] for i in to_geocode])):
        if place is not None:
            lat[i], lon[i] = place.lat, place.lon
    log.info("geocoded %d of %d place names", int(np.isfinite(lat).sum()), len(to_geocode))
    return lat, lon


def format_table(metrics: dict, pred_label: str, truth_label: str) -> str:
    """The metrics as a terminal table, with notes on abstentions and precision/recall."""
    from georeasoner.evaluation import THRESHOLDS_KM

    total, answered = metrics["total"], metrics["answered"]
    rows = [(f"within {t:>4} km", _percent(metrics[f"acc_{t}km"])) for t in THRESHOLDS_KM]
    rows += [
        ("median error", _number(metrics["median_km"], " km")),
        ("mean error", _number(metrics["mean_km"], " km")),
        ("mean GeoScore", _number(metrics["geoscore"], "")),
        ("country accuracy", _percent(metrics["country_acc"])),
        ("city accuracy", _percent(metrics["city_acc"])),
        ("precision", _percent(metrics["precision"])),
        ("recall", _percent(metrics["recall"])),
        ("F1", _percent(metrics["f1"])),
    ]
    lines = [
        f"{pred_label} against {truth_label}: {total} rows, {answered} answered ({_percent(metrics['recall'])})",
        "",
        *(f"  {name:<18}{value:>12}" for name, value in rows),
        "",
        f"Accuracies (within, country, city) are over all {total} rows: the {total - answered} "
        "abstentions (rows without a prediction) count as wrong.",
        f"Errors and GeoScore (5000 * exp(-km / 1492.7)) are over the {answered} answered rows.",
        _metrics_footer(),
    ]
    return "\n".join(lines)


def _metrics_footer() -> str:
    return (
        "Precision = country accuracy over answered rows, recall = share of rows answered, "
        "F1 = their harmonic mean (GeoReasoner, Li et al. 2024)."
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:,.1f}{unit}"


def write_json(metrics: dict, out_path: str) -> None:
    with atomic_output(out_path) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def plot_error_cdf(errors_km, out_png: str) -> None:
    """Plot the share of rows located within each distance (log km axis) as a PNG.

    NaN errors are abstentions: they stay in the denominator, so the curve at a threshold
    equals that threshold's accuracy and tops out at the share of rows answered.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from georeasoner.evaluation import THRESHOLDS_KM

    errors = np.asarray(errors_km, dtype=float)
    if errors.size == 0:
        raise GeoReasonerError("there are no rows to plot; check the input files")
    answered = np.clip(np.sort(errors[np.isfinite(errors)]), CDF_MIN_KM, CDF_MAX_KM)
    share = np.arange(1, answered.size + 1) / errors.size
    figure = Figure(figsize=(7, 4.5), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.step(
        np.concatenate([[CDF_MIN_KM], answered, [CDF_MAX_KM]]),
        np.concatenate([[0.0], share, [share[-1] if share.size else 0.0]]),
        where="post",
        color="tab:blue",
    )
    for threshold in THRESHOLDS_KM:
        axes.axvline(threshold, color="grey", linestyle=":", linewidth=1)
        axes.text(threshold, 1.02, f"{threshold} km", ha="center", fontsize=8, transform=axes.get_xaxis_transform())
    axes.set_xscale("log")
    axes.set_xlim(CDF_MIN_KM, CDF_MAX_KM)
    axes.set_ylim(0, 1)
    axes.set_xlabel("error (km)")
    axes.set_ylabel("share of all rows located within")
    axes.set_title(f"Error distribution: {answered.size} of {errors.size} rows answered", fontsize=10, pad=16)
    axes.grid(True, which="major", alpha=0.3)
    with atomic_output(out_png) as tmp:
        figure.savefig(tmp, format="png")
