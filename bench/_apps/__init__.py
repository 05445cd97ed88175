"""Reference ASGI apps the serving benchmark measures Segue against (run by uvicorn)."""
