"""The HTTP API: FastAPI app, routes, auth, schemas, lifespan.

>>> from segue.api import create_app
>>> app = create_app()  # then: uvicorn, or `segue serve`
"""

from ._app import create_app
from ._logging import LOG_CONFIG, JsonFormatter, RedactSecrets, log_config, redact
from ._metrics import RequestMetrics, metrics_registry, start_metrics_server
from ._resources import Resources, open_resources

__all__ = [
    "LOG_CONFIG",
    "JsonFormatter",
    "RedactSecrets",
    "RequestMetrics",
    "Resources",
    "create_app",
    "log_config",
    "metrics_registry",
    "open_resources",
    "redact",
    "start_metrics_server",
]
