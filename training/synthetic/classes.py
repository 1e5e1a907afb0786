"""ADE20K-150 class indices (0-based, as in georeasoner.locatability.paper_metric) used in masks."""

WALL = 0
BUILDING = 1
SKY = 2
TREE = 4
ROAD = 6
GRASS = 9
SIDEWALK = 11
EARTH = 13
CAR = 20
FENCE = 32
SIGNBOARD = 43
PALM = 72
TOWER = 84
STREET_LAMP = 87
POLE = 93

# Name each index stands for in the ADE20K table, checked against the weights file by the tests.
NAMES: dict[int, str] = {
    WALL: "wall",
    BUILDING: "building",
    SKY: "sky",
    TREE: "tree",
    ROAD: "road, route",
    GRASS: "grass",
    SIDEWALK: "sidewalk, pavement",
    EARTH: "earth, ground",
    CAR: "car",
    FENCE: "fence",
    SIGNBOARD: "signboard, sign",
    PALM: "palm, palm tree",
    TOWER: "tower",
    STREET_LAMP: "street lamp",
    POLE: "pole",
}
