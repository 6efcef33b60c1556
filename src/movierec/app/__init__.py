"""movierec's web app: a Gradio page over the library (`movierec serve`, or a Space).

``create_app(data=...)`` returns the Blocks; ``launch(data=..., host=..., port=...)`` serves
it. Both start loading the dataset and the default model in a background thread *before*
Gradio is imported, so the two overlap and the server is up in seconds from prepared
artifacts. Nothing here imports Gradio at module import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from movierec.app.context import AppService

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

__all__ = ["AppService", "create_app", "launch"]


def create_app(data: str | None = None, *, service: AppService | None = None,
               warm: bool = True, warm_map: bool = False, **service_options: Any) -> "gr.Blocks":
    """The app's Blocks for dataset ``data`` (or an existing ``service``).

    ``warm`` starts loading the dataset, title index and default model right away (in a
    background thread); requests that arrive earlier simply wait for them. ``warm_map``
    then also prepares the Explore tab's catalog map (tens of seconds when not cached).
    """
    service = service or AppService(data, **service_options)
    if warm:
        service.start_warming(include_map=warm_map)
    from movierec.app.layout import build_app

    return build_app(service)


def launch(data: str | None = None, host: str = "127.0.0.1", port: int | None = 7860,
           share: bool = False, *, service: AppService | None = None, **launch_options: Any):
    """Build and serve the app (blocks until the server stops unless told otherwise)."""
    demo = create_app(data, service=service, warm_map=True)
    return demo.launch(server_name=host, server_port=port, share=share, **launch_options)
