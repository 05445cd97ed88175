"""The HTTP API: FastAPI app, routes, auth, schemas, lifespan.

>>> from segue.api import create_app
>>> app = create_app()  # then: uvicorn, or `segue serve`
"""

from ._app import create_app
from ._metrics import RequestMetrics, metrics_registry, start_metrics_server
from ._resources import Resources, open_resources

__all__ = [
    "RequestMetrics",
    "Resources",
    "create_app",
    "metrics_registry",
    "open_resources",
    "start_metrics_server",
]
