"""Request and response shapes of the shipments API (field names as in API.md), one module per
resource; everything is re-exported here so `from shipments.api.serializers import X` keeps working."""

from .common import (
    ConsigneeSerializer,
    IntakeResultSerializer,
    LocationCodeField,
    consignee_out,
)
from .distribution import (
    DistributionLineSerializer,
    DistributionResultSerializer,
    DistributionSerializer,
    DistributionShipmentSerializer,
)
from .documents import RequiredDocumentSerializer, RequiredDocumentUpdateSerializer
from .events import ACTUAL_EVENT_FUTURE_TOLERANCE, MAX_EVENTS, EventInputSerializer, EventSerializer
from .lots import (
    LotInputSerializer,
    LotSerializer,
    OpenAlertSerializer,
    PrecoolingSerializer,
    RerouteAdviceSerializer,
    RerouteOptionSerializer,
)
from .products import ProductSerializer
from .readings import (
    MAX_READINGS,
    ExcursionSerializer,
    ReadingBucketSerializer,
    ReadingInputSerializer,
    ReadingSerializer,
    ReadingSeriesSerializer,
    TelemetryInputSerializer,
)
from .shipments import (
    LegInputSerializer,
    LegSerializer,
    OnwardRouteSerializer,
    ShipmentCancelSerializer,
    ShipmentCreateSerializer,
    ShipmentSerializer,
    ShipmentUpdateSerializer,
    resolve_goods_items,
    unique_legs,
)
from .versions import (
    LegSnapshotSerializer,
    LotSnapshotSerializer,
    ShipmentSnapshotSerializer,
    ShipmentVersionSerializer,
)

__all__ = [
    "ACTUAL_EVENT_FUTURE_TOLERANCE",
    "MAX_EVENTS",
    "MAX_READINGS",
    "ConsigneeSerializer",
    "DistributionLineSerializer",
    "DistributionResultSerializer",
    "DistributionSerializer",
    "DistributionShipmentSerializer",
    "EventInputSerializer",
    "EventSerializer",
    "ExcursionSerializer",
    "IntakeResultSerializer",
    "LegInputSerializer",
    "LegSerializer",
    "LegSnapshotSerializer",
    "LocationCodeField",
    "LotInputSerializer",
    "LotSerializer",
    "LotSnapshotSerializer",
    "OnwardRouteSerializer",
    "OpenAlertSerializer",
    "PrecoolingSerializer",
    "ProductSerializer",
    "ReadingBucketSerializer",
    "ReadingInputSerializer",
    "ReadingSerializer",
    "ReadingSeriesSerializer",
    "RequiredDocumentSerializer",
    "RequiredDocumentUpdateSerializer",
    "RerouteAdviceSerializer",
    "RerouteOptionSerializer",
    "ShipmentCancelSerializer",
    "ShipmentCreateSerializer",
    "ShipmentSerializer",
    "ShipmentSnapshotSerializer",
    "ShipmentUpdateSerializer",
    "ShipmentVersionSerializer",
    "TelemetryInputSerializer",
    "consignee_out",
    "resolve_goods_items",
    "unique_legs",
]
