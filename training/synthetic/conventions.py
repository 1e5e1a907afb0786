"""Visual conventions of the synthetic world: what each country and each city looks like.

Country conventions follow real ones where a geo-game player would know them (left-hand
traffic in Japan, yellow centre lines in the Americas, yellow edge lines in South Africa,
striped kerbs in India, German yellow direction signs, ...) and are exaggerated enough to be
seen at 64-128 px. Every combination of conventions is unique to one country, and every city
adds its own colour band, landmark and sign code.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "white": (245, 245, 240),
    "yellow": (250, 205, 20),
    "blue": (25, 70, 175),
    "green": (0, 115, 65),
    "red": (210, 30, 35),
    "black": (25, 25, 25),
    "orange": (245, 125, 20),
    "brown": (120, 75, 40),
    "cyan": (40, 190, 215),
    "magenta": (200, 50, 195),
    "grey": (150, 150, 150),
}


@dataclass(frozen=True)
class LineStyle:
    colour: str
    pattern: str  # "solid" | "dashed" | "double"


@dataclass(frozen=True)
class SignStyle:
    colour: str
    shape: str  # "rectangular" | "arrow"
    border: str
    text_colour: str


@dataclass(frozen=True)
class BollardStyle:
    description: str
    body: str
    band: str | None
    cap: str | None
    shape: str = "post"  # "post" | "milestone"


@dataclass(frozen=True)
class PlateStyle:
    description: str
    colour: str
    strip: str | None = None  # colour of a strip on the plate's left or top edge
    strip_side: str = "left"


@dataclass(frozen=True)
class TreeStyle:
    kind: str  # "broadleaf" | "palm" | "conifer"
    colour: RGB
    description: str | None  # a clue only where the trees are distinctive


@dataclass(frozen=True)
class CountryStyle:
    driving_side: str  # "left" | "right"
    centre_line: LineStyle
    edge_lines: LineStyle | None
    sign: SignStyle
    sign_word: str
    bollard: BollardStyle
    plate: PlateStyle
    building_description: str
    building_colours: tuple[RGB, ...]
    roof_colour: RGB
    window_colour: RGB
    tree: TreeStyle
    verge_colour: RGB
    verge_is_grass: bool
    road_colour: RGB
    sidewalk_colour: RGB
    striped_kerb: bool = False
    utility_poles: str | None = None  # "concrete" | "wooden": poles carrying overhead wires


STYLES: dict[str, CountryStyle] = {
    "JP": CountryStyle(
        driving_side="left",
        centre_line=LineStyle("white", "solid"),
        edge_lines=LineStyle("white", "solid"),
        sign=SignStyle("blue", "rectangular", "white", "white"),
        sign_word="DORI",
        bollard=BollardStyle("orange bollard", "orange", None, None),
        plate=PlateStyle("yellow licence plate", "yellow"),
        building_description="grey concrete buildings",
        building_colours=((190, 190, 185), (160, 162, 160), (212, 206, 192)),
        roof_colour=(95, 95, 100),
        window_colour=(80, 100, 125),
        tree=TreeStyle("broadleaf", (35, 95, 45), None),
        verge_colour=(70, 110, 60),
        verge_is_grass=True,
        road_colour=(70, 72, 76),
        sidewalk_colour=(175, 175, 170),
        utility_poles="concrete",
    ),
    "DE": CountryStyle(
        driving_side="right",
        centre_line=LineStyle("white", "dashed"),
        edge_lines=LineStyle("white", "solid"),
        sign=SignStyle("yellow", "rectangular", "black", "black"),
        sign_word="STRASSE",
        bollard=BollardStyle("white bollard with black band", "white", "black", "orange"),
        plate=PlateStyle("white licence plate with blue strip", "white", "blue", "left"),
        building_description="cream buildings with red roofs",
        building_colours=((238, 228, 190), (225, 205, 150), (242, 238, 222)),
        roof_colour=(175, 55, 40),
        window_colour=(70, 80, 95),
        tree=TreeStyle("conifer", (30, 80, 45), "conifer trees"),
        verge_colour=(85, 135, 60),
        verge_is_grass=True,
        road_colour=(85, 85, 90),
        sidewalk_colour=(185, 170, 160),
    ),
    "BR": CountryStyle(
        driving_side="right",
        centre_line=LineStyle("yellow", "dashed"),
        edge_lines=LineStyle("white", "solid"),
        sign=SignStyle("blue", "arrow", "white", "white"),
        sign_word="RUA",
        bollard=BollardStyle("yellow bollard with black stripes", "yellow", "black", "black"),
        plate=PlateStyle("white licence plate with blue top band", "white", "blue", "top"),
        building_description="pastel-painted buildings",
        building_colours=((240, 175, 165), (165, 220, 200), (250, 228, 135)),
        roof_colour=(190, 100, 70),
        window_colour=(60, 70, 80),
        tree=TreeStyle("palm", (45, 150, 55), "palm trees"),
        verge_colour=(60, 160, 60),
        verge_is_grass=True,
        road_colour=(60, 60, 62),
        sidewalk_colour=(215, 210, 200),
    ),
    "US": CountryStyle(
        driving_side="right",
        centre_line=LineStyle("yellow", "double"),
        edge_lines=LineStyle("white", "solid"),
        sign=SignStyle("green", "rectangular", "white", "white"),
        sign_word="STREET",
        bollard=BollardStyle("brown bollard with white cap", "brown", None, "white"),
        plate=PlateStyle("white licence plate", "white"),
        building_description="red brick buildings",
        building_colours=((160, 75, 55), (190, 150, 110), (135, 65, 50)),
        roof_colour=(60, 55, 55),
        window_colour=(40, 45, 55),
        tree=TreeStyle("broadleaf", (70, 120, 55), None),
        verge_colour=(100, 140, 70),
        verge_is_grass=True,
        road_colour=(55, 55, 58),
        sidewalk_colour=(200, 198, 190),
        utility_poles="wooden",
    ),
    "AU": CountryStyle(
        driving_side="left",
        centre_line=LineStyle("white", "dashed"),
        edge_lines=LineStyle("white", "solid"),
        sign=SignStyle("white", "rectangular", "black", "black"),
        sign_word="ROAD",
        bollard=BollardStyle("white bollard with red cap", "white", None, "red"),
        plate=PlateStyle("black licence plate", "black"),
        building_description="sandstone buildings",
        building_colours=((228, 192, 140), (212, 170, 118), (240, 218, 178)),
        roof_colour=(150, 150, 155),
        window_colour=(65, 75, 85),
        tree=TreeStyle("broadleaf", (120, 140, 100), "grey-green eucalyptus trees"),
        verge_colour=(175, 105, 60),
        verge_is_grass=False,
        road_colour=(95, 90, 88),
        sidewalk_colour=(190, 180, 165),
    ),
    "ZA": CountryStyle(
        driving_side="left",
        centre_line=LineStyle("white", "dashed"),
        edge_lines=LineStyle("yellow", "solid"),
        sign=SignStyle("green", "arrow", "white", "white"),
        sign_word="STRAAT",
        bollard=BollardStyle("black bollard with white band", "black", "white", None),
        plate=PlateStyle("yellow licence plate", "yellow"),
        building_description="white-walled buildings",
        building_colours=((246, 246, 240), (232, 228, 216), (238, 236, 230)),
        roof_colour=(125, 128, 135),
        window_colour=(55, 60, 70),
        tree=TreeStyle("broadleaf", (105, 120, 55), None),
        verge_colour=(175, 160, 95),
        verge_is_grass=True,
        road_colour=(75, 75, 78),
        sidewalk_colour=(190, 185, 175),
    ),
    "IN": CountryStyle(
        driving_side="left",
        centre_line=LineStyle("white", "dashed"),
        edge_lines=None,
        sign=SignStyle("white", "arrow", "black", "black"),
        sign_word="MARG",
        bollard=BollardStyle("white milestone with yellow top", "white", None, "yellow", "milestone"),
        plate=PlateStyle("white licence plate", "white"),
        building_description="brightly painted buildings",
        building_colours=((250, 170, 70), (120, 190, 222), (232, 120, 160)),
        roof_colour=(170, 150, 130),
        window_colour=(70, 55, 50),
        tree=TreeStyle("palm", (60, 125, 45), "palm trees"),
        verge_colour=(190, 155, 110),
        verge_is_grass=False,
        road_colour=(98, 95, 92),
        sidewalk_colour=(180, 165, 145),
        striped_kerb=True,
    ),
    "FR": CountryStyle(
        driving_side="right",
        centre_line=LineStyle("white", "dashed"),
        edge_lines=LineStyle("white", "dashed"),
        sign=SignStyle("white", "rectangular", "red", "black"),
        sign_word="RUE",
        bollard=BollardStyle("white bollard with red band", "white", "red", None),
        plate=PlateStyle("white licence plate with blue strip", "white", "blue", "left"),
        building_description="limestone buildings with grey roofs",
        building_colours=((226, 214, 188), (214, 204, 178), (232, 224, 204)),
        roof_colour=(100, 112, 130),
        window_colour=(45, 50, 60),
        tree=TreeStyle("broadleaf", (95, 130, 60), None),
        verge_colour=(95, 140, 70),
        verge_is_grass=True,
        road_colour=(78, 78, 84),
        sidewalk_colour=(200, 195, 185),
    ),
}

DEFAULT_COUNTRIES: tuple[str, ...] = ("JP", "DE", "BR", "US", "AU", "ZA", "IN", "FR")

# Finer cues that tell the cities of a country apart, by the city's rank in its country.
CITY_BANDS: tuple[str, ...] = ("red", "cyan", "magenta")
CITY_LANDMARKS: tuple[str, ...] = ("tower", "dome", "twin spires")
