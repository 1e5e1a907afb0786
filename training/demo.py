"""``make demo``: the whole product at work on held-out synthetic scenes, offline.

1. A sample GeoPackage of held-out scenes (the synthetic world's ``test`` split) at their true
   points, with the images as JPEG files beside it, and a truth table of what each scene shows.
2. Some points spoiled the way crowd-sourced coordinates go wrong: latitude and longitude
   swapped, a flipped sign, (0, 0), or a point in another country. The truth table records
   which rows were spoiled and how.
3. The real CLI as subprocesses: ``georeasoner geolocate`` with the demo profile (and again with
   the stage-1 adapter alone), ``georeasoner eval`` against the true points, and
   ``georeasoner score --raster`` on a survey of one city.
4. A summary on the terminal and in ``summary.json``, and PNG figures: predictions on a world
   map, the error CDF and the locatability map.

Usage: ``python -m training.demo --out demo_out [--profile DIR] [--n N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from georeasoner.errors import GeoReasonerError
from training.demo_models import DEFAULT_OUT as DEMO_PROFILE_DIR
from training.demo_models import DemoPlan
from training.synthetic.dataset import MAX_JITTER_KM, Scene, make_scene
from training.synthetic.world import World, build_world

log = logging.getLogger(__name__)

DEFAULT_SCENES = 500
#: Held-out scenes come from the ``test`` split, whose random stream training never draws,
#: at the size the demo models were trained on.
SPLIT = "test"
SEED = 5
SCENE_SIZE = DemoPlan().image_size
SPOIL_SHARE = 0.2
SPOIL_KINDS = ("swapped", "flipped_sign", "null_island", "other_country")
#: A planted mistake moves the claimed point at least this far; smaller slips are not mistakes.
MIN_SPOIL_KM = 500.0
SURVEY_SCENES = 80
#: Survey scenes lie within MAX_JITTER_KM of their city centre: about ten cells across.
SURVEY_CELL_M = MAX_JITTER_KM * 1000 / 5
PHOTOS_LAYER = "photos"


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo writes everything, under one output folder."""

    root: Path

    @property
    def sample(self) -> Path:
        return self.root / "sample" / "photos.gpkg"

    @property
    def truth(self) -> Path:
        return self.root / "sample" / "truth.csv"

    @property
    def survey(self) -> Path:
        return self.root / "sample" / "survey.gpkg"

    @property
    def results(self) -> Path:
        return self.root / "results.gpkg"

    @property
    def results_stage1(self) -> Path:
        return self.root / "results_stage1.gpkg"

    @property
    def survey_scores(self) -> Path:
        return self.root / "survey_scores.gpkg"

    @property
    def raster(self) -> Path:
        return self.root / "locatability.tif"

    @property
    def eval_json(self) -> Path:
        return self.root / "eval.json"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def figures(self) -> Path:
        return self.root / "figures"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


# --- the sample ------------------------------------------------------------------------------


def held_out_scenes(world: World, n: int) -> list[Scene]:
    return [make_scene(world, index, SEED, SCENE_SIZE, SPLIT) for index in range(n)]


def survey_scenes(world: World, n: int) -> tuple[str, list[Scene]]:
    """``n`` held-out scenes of one city (the first country's largest), for a locatability map."""
    country = world.countries[0]
    city = country.cities[0].name
    one_country = build_world([country.code])
    scenes, index = [], 0
    while len(scenes) < n:
        scene = make_scene(one_country, index, SEED + 1, SCENE_SIZE, SPLIT)
        if scene.city == city:
            scenes.append(scene)
        index += 1
    return f"{city}, {country.name}", scenes


def spoiled_point(kind: str, lat: float, lon: float, country_code: str, world: World,
                  rng: np.random.Generator) -> tuple[float, float] | None:
    """The point a crowd-sourcing slip of ``kind`` makes of (lat, lon); None where it cannot."""
    if kind == "swapped":
        return (lon, lat) if abs(lon) <= 90 else None
    if kind == "flipped_sign":
        return (-lat, lon) if rng.random() < 0.5 else (lat, -lon)
    if kind == "null_island":
        return 0.0, 0.0
    others = [country for country in world.countries if country.code != country_code]
    country = others[int(rng.integers(len(others)))]
    city = country.cities[int(rng.integers(len(country.cities)))]
    return city.lat, city.lon


def spoil_claims(scenes: list[Scene], world: World, share: float,
                 seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Claimed points: the true ones, with ``share`` of them spoiled; and each row's spoil kind.

    Kinds go round in turn; a kind that cannot move a point far enough (a swap of a longitude
    beyond 90 degrees, a flip near the equator) gives way to the next one.
    """
    from georeasoner.geo.distance import haversine_km

    rng = np.random.default_rng(seed)
    lat = np.array([scene.lat for scene in scenes])
    lon = np.array([scene.lon for scene in scenes])
    kinds = [""] * len(scenes)
    chosen = np.sort(rng.choice(len(scenes), size=round(share * len(scenes)), replace=False))
    for turn, row in enumerate(chosen):
        scene = scenes[row]
        for step in range(len(SPOIL_KINDS)):
            kind = SPOIL_KINDS[(turn + step) % len(SPOIL_KINDS)]
            point = spoiled_point(kind, scene.lat, scene.lon, scene.country_code, world, rng)
            if point is not None and haversine_km(scene.lat, scene.lon, *point) >= MIN_SPOIL_KM:
                lat[row], lon[row], kinds[row] = point[0], point[1], kind
                break
    return lat, lon, kinds


def write_photo_layer(scenes: list[Scene], lat, lon, gpkg: Path) -> None:
    """A GeoPackage of photo points (EPSG:4326) with the JPEG images beside it, as a user has."""
    import geopandas as gpd

    images = gpkg.parent / "images" / gpkg.stem
    images.mkdir(parents=True, exist_ok=True)
    paths = []
    for scene in scenes:
        path = images / f"{scene.id}.jpg"
        scene.image.save(path, "JPEG", quality=92)
        paths.append(str(path.relative_to(gpkg.parent)))
    frame = gpd.GeoDataFrame(
        {"scene_id": [scene.id for scene in scenes], "image": paths},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    gpkg.unlink(missing_ok=True)
    frame.to_file(gpkg, layer=PHOTOS_LAYER, driver="GPKG")


def truth_table(scenes: list[Scene], claimed_lat, claimed_lon, spoils: list[str]):
    """What each scene really shows and where it is, with the claimed point and its spoil."""
    import pandas as pd

    return pd.DataFrame({
        "scene_id": [scene.id for scene in scenes],
        "lat": [scene.lat for scene in scenes],
        "lon": [scene.lon for scene in scenes],
        "country_code": [scene.country_code for scene in scenes],
        "country": [scene.country for scene in scenes],
        "city": [scene.city for scene in scenes],
        "locatability": [scene.locatability for scene in scenes],
        "clues": [json.dumps(scene.clues) for scene in scenes],
        "claimed_lat": claimed_lat,
        "claimed_lon": claimed_lon,
        "spoil": spoils,
    })


def make_sample(files: DemoFiles, world: World, n: int, survey_n: int):
    """Write the sample layer, its truth table and the city survey; returns (truth, survey city)."""
    scenes = held_out_scenes(world, n)
    claimed_lat, claimed_lon, spoils = spoil_claims(scenes, world, SPOIL_SHARE, SEED)
    files.sample.parent.mkdir(parents=True, exist_ok=True)
    write_photo_layer(scenes, claimed_lat, claimed_lon, files.sample)
    truth = truth_table(scenes, claimed_lat, claimed_lon, spoils)
    truth.to_csv(files.truth, index=False)
    city, survey = survey_scenes(world, survey_n)
    write_photo_layer(survey, [s.lat for s in survey], [s.lon for s in survey], files.survey)
    return truth, city


# --- the CLI ---------------------------------------------------------------------------------


def run_cli(args: list[str], log_path: Path, label: str) -> None:
    """Run ``georeasoner ARGS`` as a subprocess: job progress on the terminal, the rest in ``log_path``."""
    command = [sys.executable, "-m", "georeasoner.cli", *args]
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log_file:
        log_file.write("$ " + " ".join(command) + "\n")
        log_file.flush()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log_file, text=True)
        for line in process.stdout:
            event = _event(line)
            if event is None:
                log_file.write(line)
            elif event.get("event") == "progress":
                _show_progress(label, event["done"], event["total"])
        code = process.wait()
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    if code != 0:
        tail = "\n".join(log_path.read_text(encoding="utf-8").splitlines()[-15:])
        raise GeoReasonerError(f"georeasoner {args[0]} failed (exit {code}); its log {log_path} ends:\n{tail}")
    log.info("%s: %.1f s", label, time.monotonic() - started)


def _event(line: str) -> dict | None:
    if not line.startswith("{"):
        return None
    try:
        return json.loads(line)
    except ValueError:
        return None


def _show_progress(label: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\033[K{label}: {done}/{total} photos")
        sys.stderr.flush()


def run_product(files: DemoFiles, profile: str) -> dict:
    """geolocate (full profile, then stage 1 alone), eval, and score --raster. Returns eval's metrics."""
    from georeasoner.models import load_profile

    adapters = load_profile(profile).adapters
    for stale in (files.results, files.results_stage1, files.survey_scores, files.raster):
        stale.unlink(missing_ok=True)
    files.logs.mkdir(parents=True, exist_ok=True)
    files.figures.mkdir(parents=True, exist_ok=True)
    run_cli(["geolocate", str(files.sample), "-o", str(files.results), "--profile", profile, "--json"],
            files.logs / "geolocate.log", "geolocate")
    if adapters:
        run_cli(["geolocate", str(files.sample), "-o", str(files.results_stage1), "--profile", profile,
                 "--adapter", adapters[0], "--json"],
                files.logs / "geolocate_stage1.log", "geolocate, stage-1 adapter only")
    run_cli(["eval", str(files.results), "--truth", str(files.truth), "--id", "scene_id",
             "--json", str(files.eval_json), "--plot", str(files.figures / "error_cdf.png")],
            files.logs / "eval.log", "eval")
    run_cli(["score", str(files.survey), "-o", str(files.survey_scores), "--profile", profile,
             "--raster", str(files.raster), "--cell", f"{SURVEY_CELL_M:g}", "--json"],
            files.logs / "score.log", "score")
    return json.loads(files.eval_json.read_text(encoding="utf-8"))


# --- metrics ---------------------------------------------------------------------------------


def read_results(gpkg: Path, truth):
    """The result fields of ``gpkg``'s photos layer, one row per truth row, in truth order."""
    import pyogrio

    results = pyogrio.read_dataframe(gpkg, layer=PHOTOS_LAYER, read_geometry=False)
    return results.set_index("scene_id").reindex(truth["scene_id"]).reset_index()


def place_hits(results, truth) -> tuple[np.ndarray, np.ndarray]:
    """Per row: is the predicted country right, and is the predicted city right too?

    Compared with the scenes' labels, not by reverse geocoding the predicted point: a scene
    lies up to MAX_JITTER_KM from its city centre, where the nearest gazetteer place can be a
    suburb. A row without an answer counts as wrong.
    """
    from training.heldout import same_place

    country = results["gr_cc"].fillna("").to_numpy(str) == truth["country_code"].to_numpy(str)
    city = country & np.array([same_place(_text(c), t) for c, t in zip(results["gr_city"], truth["city"])])
    return country, city


def _text(value) -> str | None:
    """A text field's value; None for nulls (NaN or None in a data frame)."""
    return value if isinstance(value, str) else None


def share(mask: np.ndarray) -> float | None:
    return float(mask.mean()) if mask.size else None


def _finite(value: float) -> float | None:
    """None for NaN (e.g. a rank correlation of constant scores), so summary.json stays JSON."""
    return None if math.isnan(value) else float(value)


def compute_summary(files: DemoFiles, truth, world: World, eval_metrics: dict) -> dict:
    """Every figure of the summary, from the result GeoPackages and the truth table."""
    from training.heldout import (
        answer_correct,
        clue_precision,
        ece,
        spearman,
        world_clue_vocabulary,
    )

    results = read_results(files.results, truth)
    country_hit, city_hit = place_hits(results, truth)
    spoiled = truth["spoil"].fillna("").to_numpy(str) != ""
    flagged = results["gr_flag"].fillna(0).to_numpy(int) == 1
    answered = results["gr_conf"].notna().to_numpy()
    right = [answer_correct(_text(country), _text(city), true_country, true_city)
             for country, city, true_country, true_city
             in zip(results["gr_country"], results["gr_city"], truth["country"], truth["city"])]
    scored = results["gr_loc"].notna().to_numpy()
    summary = {
        "n": len(truth),
        "country_acc": share(country_hit),
        "city_acc": share(city_hit),
        "acc_25km": eval_metrics["acc_25km"],
        "audit_recall": share(flagged[spoiled]),
        "audit_false_flag_rate": share(flagged[~spoiled]),
        "locatability_spearman": (_finite(spearman(results["gr_loc"][scored], truth["locatability"][scored]))
                                  if scored.sum() > 2 else None),
        "ece": ece(results["gr_conf"][answered], np.array(right)[answered]) if answered.any() else None,
        "clue_precision": clue_precision([_text(r) for r in results["gr_reason"]],
                                         [json.loads(c) for c in truth["clues"]], world_clue_vocabulary()),
        "stage1_city_acc": None,
        "chance_country_acc": 1 / len(world.countries),
        "chance_city_acc": 1 / sum(len(country.cities) for country in world.countries),
        "spoiled": int(spoiled.sum()),
        "spoiled_flagged": int((flagged & spoiled).sum()),
        "unspoiled_flagged": int((flagged & ~spoiled).sum()),
        "errors": int((results["gr_status"] == "error").sum()),
        "eval": eval_metrics,
    }
    if files.results_stage1.exists():
        summary["stage1_city_acc"] = share(place_hits(read_results(files.results_stage1, truth), truth)[1])
    return summary


# --- figures ---------------------------------------------------------------------------------


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def plot_world_map(results, truth, out_png: Path) -> None:
    """True places, predictions coloured by outcome, and the planted mistakes, on the gazetteer's places."""
    from georeasoner.geo.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    country_hit, city_hit = place_hits(results, truth)
    spoiled = truth["spoil"].fillna("").to_numpy(str) != ""
    flagged = results["gr_flag"].fillna(0).to_numpy(int) == 1
    pred_lat, pred_lon = results["gr_lat"].to_numpy(float), results["gr_lon"].to_numpy(float)

    figure = _figure(11, 5.2)
    axes = figure.add_subplot()
    axes.scatter(gazetteer.city_lon, gazetteer.city_lat, s=0.3, c="0.82", linewidths=0, rasterized=True)
    wrong = ~country_hit & np.isfinite(pred_lat)
    for row in np.flatnonzero(wrong):
        axes.plot([truth["lon"][row], pred_lon[row]], [truth["lat"][row], pred_lat[row]],
                  color="tab:red", linewidth=0.4, alpha=0.3)
    axes.scatter(truth["lon"], truth["lat"], s=60, facecolors="none", edgecolors="black", linewidths=0.8,
                 label="true place", zorder=3)
    outcomes = (  # right answers drawn on top, where they share a city with wrong ones
        (city_hit, "tab:green", "predicted: right city", 2.3),
        (country_hit & ~city_hit, "tab:orange", "predicted: right country, wrong city", 2.2),
        (wrong, "tab:red", "predicted: wrong country", 2.1),
    )
    for mask, colour, label, zorder in outcomes:
        _scatter_counted(axes, pred_lat[mask], pred_lon[mask], colour, f"{label} ({int(mask.sum())})", zorder)
    claimed_lat, claimed_lon = truth["claimed_lat"].to_numpy(float), truth["claimed_lon"].to_numpy(float)
    for mask, face, label in (
        (spoiled & flagged, "tab:purple", "planted mistake, flagged"),
        (spoiled & ~flagged, "none", "planted mistake, missed"),
    ):
        axes.scatter(claimed_lon[mask], claimed_lat[mask], marker="^", s=40, facecolors=face,
                     edgecolors="tab:purple", linewidths=1, label=f"{label} ({int(mask.sum())})")
    false_flags = ~spoiled & flagged
    axes.scatter(claimed_lon[false_flags], claimed_lat[false_flags], marker="x", s=40, c="black",
                 label=f"false flag ({int(false_flags.sum())})")
    axes.set_xlim(-180, 180)
    axes.set_ylim(-60, 85)
    axes.set_aspect("equal")
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.grid(True, alpha=0.3)
    axes.set_title(f"Predictions for {len(truth)} held-out synthetic scenes "
                   "(marker size grows with the number of photos)", fontsize=10)
    legend = axes.legend(loc="lower left", fontsize=7, framealpha=0.9)
    for handle in legend.legend_handles:
        handle.set_sizes([30])
    figure.savefig(out_png, format="png")


def _scatter_counted(axes, lat: np.ndarray, lon: np.ndarray, colour: str, label: str, zorder: float) -> None:
    """One marker per distinct point, its area growing with the square root of how many rows share it."""
    keep = np.isfinite(lat) & np.isfinite(lon)
    if not keep.any():
        axes.scatter([], [], c=colour, label=label)
        return
    points, counts = np.unique(np.round(np.column_stack([lat[keep], lon[keep]]), 4), axis=0, return_counts=True)
    axes.scatter(points[:, 1], points[:, 0], s=20 * np.sqrt(counts), c=colour, alpha=0.8, edgecolors="white",
                 linewidths=0.5, label=label, zorder=zorder)


def plot_locatability_map(raster: Path, survey: Path, city: str, out_png: Path) -> None:
    """The locatability raster in a colour ramp, with the surveyed photos on top, in km."""
    import pyogrio
    import rasterio
    from pyproj import Transformer

    with rasterio.open(raster) as source:
        grid = source.read(1, masked=True)
        bounds, crs, cell = source.bounds, source.crs, source.res[0]
    points = pyogrio.read_dataframe(survey, layer=PHOTOS_LAYER)
    x, y = Transformer.from_crs("EPSG:4326", crs.to_wkt(), always_xy=True).transform(
        points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    centre_x, centre_y = (bounds.left + bounds.right) / 2, (bounds.bottom + bounds.top) / 2

    figure = _figure(6.5, 5.5)
    axes = figure.add_subplot()
    axes.set_facecolor("0.9")
    image = axes.imshow(
        grid,
        extent=[(v - c) / 1000 for v, c in ((bounds.left, centre_x), (bounds.right, centre_x),
                                            (bounds.bottom, centre_y), (bounds.top, centre_y))],
        cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest",
    )
    axes.scatter((np.asarray(x) - centre_x) / 1000, (np.asarray(y) - centre_y) / 1000, s=4, c="white",
                 edgecolors="black", linewidths=0.3, label=f"photos ({len(points)})")
    figure.colorbar(image, ax=axes, shrink=0.85, label="mean locatability of the photos in the cell")
    axes.set_xlabel("km east of the map centre")
    axes.set_ylabel("km north of the map centre")
    axes.set_title(f"Locatability map of {city} ({cell:g} m cells, {crs.to_string()})", fontsize=10)
    axes.legend(loc="upper right", fontsize=7)
    figure.savefig(out_png, format="png")


# --- the report ------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_summary(summary: dict, files: DemoFiles, profile: str, city: str, seconds: float) -> str:
    unspoiled = summary["n"] - summary["spoiled"]
    rows = [
        ("country accuracy", _percent(summary["country_acc"]), f"chance {_percent(summary['chance_country_acc'])}"),
        ("city accuracy", _percent(summary["city_acc"]), f"chance {_percent(summary['chance_city_acc'])}"),
        ("  stage-1 adapter alone", _percent(summary["stage1_city_acc"]), "before stage 2, location tuning"),
        ("within 25 km", _percent(summary["acc_25km"]), ""),
        ("calibration error", _number(summary["ece"]), "ECE, confidence vs answer right"),
        ("clue precision", _number(summary["clue_precision"]), "named clues that the scene shows"),
        ("locatability Spearman", _number(summary["locatability_spearman"]), "scorer vs exact labels"),
        ("planted mistakes found", _percent(summary["audit_recall"]),
         f"{summary['spoiled_flagged']} of {summary['spoiled']} spoiled points flagged"),
        ("false flags", _percent(summary["audit_false_flag_rate"]),
         f"{summary['unspoiled_flagged']} of {unspoiled} good points flagged"),
    ]
    if summary["errors"]:
        rows.append(("photos with errors", str(summary["errors"]), f"see {files.logs / 'geolocate.log'}"))
    root = files.root
    return "\n".join([
        f"GeoReasoner demo: {summary['n']} held-out synthetic scenes, profile {profile}, {seconds:.0f} s",
        "",
        *(f"  {name:<24}{value:>8}   {note}".rstrip() for name, value, note in rows),
        "",
        f"Outputs in {root}/:",
        *(f"  {str(path.relative_to(root)):<22}{what}" for path, what in (
            (files.sample, f"sample layer, some points spoiled (truth: {files.truth.relative_to(root)})"),
            (files.results, "layers photos, predictions and audit: open it in QGIS"),
            (files.raster, f"locatability map of {city}"),
            (files.figures, "world_map.png, error_cdf.png, locatability_map.png"),
            (files.summary, f"these figures; eval's own in {files.eval_json.relative_to(root)}"),
            (files.logs, "the log of each georeasoner command"),
        )),
    ])


def run_demo(out: Path, profile: str, n: int = DEFAULT_SCENES, survey_n: int = SURVEY_SCENES) -> dict:
    """The whole demo; returns the summary it also writes to ``out/summary.json``."""
    started = time.monotonic()
    files = DemoFiles(out)
    world = build_world()
    truth, city = make_sample(files, world, n, survey_n)
    eval_metrics = run_product(files, profile)
    summary = compute_summary(files, truth, world, eval_metrics)
    plot_world_map(read_results(files.results, truth), truth, files.figures / "world_map.png")
    plot_locatability_map(files.raster, files.survey, city, files.figures / "locatability_map.png")
    files.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(format_summary(summary, files, profile, city, time.monotonic() - started))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    parser.add_argument("--profile", default=str(DEMO_PROFILE_DIR),
                        help="model profile: name or directory with profile.json (default: the demo profile, "
                             "built by `make demo-models`)")
    parser.add_argument("--n", type=int, default=DEFAULT_SCENES, help=f"held-out scenes (default {DEFAULT_SCENES})")
    parser.add_argument("--survey", type=int, default=SURVEY_SCENES,
                        help=f"scenes of one city for the locatability map (default {SURVEY_SCENES})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)
    if args.n < 4 or args.survey < 1:
        parser.error("--n must be at least 4 and --survey at least 1")
    if args.profile == str(DEMO_PROFILE_DIR) and not (DEMO_PROFILE_DIR / "profile.json").is_file():
        print(f"demo: error: the demo models are not in {DEMO_PROFILE_DIR}; build them with `make demo-models`",
              file=sys.stderr)
        return 2
    try:
        run_demo(Path(args.out), args.profile, args.n, args.survey)
    except GeoReasonerError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
