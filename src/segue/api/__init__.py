"""The HTTP API: FastAPI app, routes, auth, schemas, lifespan.

>>> from segue.api import create_app
>>> app = create_app()  # then: uvicorn, or `segue serve`
"""

from ._app import create_app
from ._resources import Resources, open_resources

__all__ = ["Resources", "create_app", "open_resources"]
