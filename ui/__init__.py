"""The Gradio web app over `rag`: `build_app(engine)` and `main(...)` live in `ui.app` (imported on first use)."""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

__all__ = ["build_app", "main"]


def __getattr__(name: str):
    if name in __all__:
        from ui import app

        return getattr(app, name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
