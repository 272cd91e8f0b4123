"""Frozen value types shared by every stage; imports nothing else of ours."""

from crowdsafety.domain.errors import (
    CrowdSafetyError,
    InvalidObservation,
    SiteDefinitionError,
    SiteProblem,
    StoreError,
)
from crowdsafety.domain.flight import (
    AerialCategory,
    AerialObservation,
    AirspaceKind,
    AirspaceZone,
    Flight,
    FlightPurpose,
    FlightStatus,
    TimeWindow,
)
from crowdsafety.domain.levels import (
    DENSITY_LOS,
    FLOW_LOS,
    Level,
    LevelBasis,
    LevelThresholds,
    ServiceLevel,
)
from crowdsafety.domain.observation import (
    OBSERVATION_COLUMNS,
    METRICS_BY_KIND,
    Observation,
    Quality,
)
from crowdsafety.domain.site import AERIAL_SENSOR_PREFIX, Sensor, SensorKind, Site, Zone
from crowdsafety.domain.state import DataStatus, HealthStatus, SensorHealth, ZoneState

__all__ = [
    "AERIAL_SENSOR_PREFIX",
    "AerialCategory",
    "AerialObservation",
    "AirspaceKind",
    "AirspaceZone",
    "CrowdSafetyError",
    "DENSITY_LOS",
    "DataStatus",
    "FLOW_LOS",
    "Flight",
    "FlightPurpose",
    "FlightStatus",
    "HealthStatus",
    "InvalidObservation",
    "Level",
    "LevelBasis",
    "LevelThresholds",
    "METRICS_BY_KIND",
    "OBSERVATION_COLUMNS",
    "Observation",
    "Quality",
    "Sensor",
    "SensorHealth",
    "SensorKind",
    "ServiceLevel",
    "Site",
    "SiteDefinitionError",
    "SiteProblem",
    "StoreError",
    "TimeWindow",
    "Zone",
    "ZoneState",
]
