"""`movierec serve`: the web app on a local port (or a public share link)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from movierec.cli import render
from movierec.cli.main import DataDirOpt, app, fail, failing_clearly
from movierec.service.methods import DEFAULT_METHOD


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(7860, "--port", "-p", help="Port to listen on (1-65535)."),
    data: str = typer.Option("", "--data", "-d", show_default=False,
                             help="Dataset name (see `movierec info --list`). Default: The "
                             "Movies Dataset with its full ratings.csv (26M ratings) when that "
                             "file is here, else with ratings_small, saying so."),
    data_dir: Optional[Path] = DataDirOpt,
    method: str = typer.Option("", "--method", "-m", show_default=False,
                               help="Method selected when the page opens (loaded, or trained "
                               "the first time, while the server starts; default: the one that "
                               "validated best when `movierec tune` ran on this data, else "
                               f"{DEFAULT_METHOD})."),
    share: bool = typer.Option(False, "--share",
                               help="Also open a temporary public gradio.live link."),
    warm_map: bool = typer.Option(False, "--map/--no-map",
                                  help="Also prepare the Explore tab's catalog map in the "
                                  "background once the model is ready (about a minute of CPU "
                                  "the first time; cached after). Otherwise it is built when "
                                  "someone first opens Explore."),
    exploration: float = typer.Option(
        None, "--exploration", min=0.0, max=2.0,
        help="How much a session's next list explores after reactions: 0 ranks by what the "
        "reactions taught (the posterior's mean), higher samples more widely (Thompson "
        "sampling). Default 0.1."),
):
    """Open the movierec web app: pick movies, get explained recommendations, react to them
    (👍, 👎, seen it, not interested) and watch the list learn.

    The dataset's files are downloaded on first use when they are not here. The page is up
    as soon as Gradio has started (its menus come from a small cached summary of the data);
    the dataset, title index and default model load meanwhile in the background.
    """
    from movierec.cli.main import obtained, serving
    from movierec.data import get_spec
    from movierec.service import parse_method

    if not 1 <= port <= 65535:
        fail(f"--port must be between 1 and 65535, not {port}")
    with failing_clearly():
        if data:
            get_spec(data)
        if method:
            parse_method(method)
        data = obtained(data, data_dir) if data else serving(data_dir)
    t0 = time.perf_counter()
    with render.stage_progress() as say:
        from movierec.app.context import AppService

        from movierec.models.exploring import SessionSettings

        session = SessionSettings() if exploration is None else \
            SessionSettings(strength=exploration)
        service = AppService(data, data_dir=str(data_dir) if data_dir else None,
                             default_method=method or None, progress=say, session=session)
        with failing_clearly():
            service.page_facts()   # cached after the first start: no data loaded here
        say("starting the web server")
        from movierec.app import create_app

        with failing_clearly():
            try:
                demo = create_app(service=service, warm=False)
                demo.launch(server_name=host, server_port=port, share=share, show_error=False,
                            prevent_thread_lock=True, quiet=True)
            except OSError as exc:   # port in use, cannot bind
                fail(f"cannot serve on {host}:{port}: {exc}")
        # data, title index and model load now, while the first visitor opens the page
        service.start_warming(include_map=warm_map)
        render.console.print(f"movierec is at [bold]{demo.local_url}[/]"
                             + (f" and [bold]{demo.share_url}[/]" if demo.share_url else "")
                             + "  (Ctrl+C stops it)", highlight=False)
        render.err.print(f"page served after {time.perf_counter() - t0:.1f} s; loading "
                         f"{service.data_name} and {service.default_method}", highlight=False)
        with failing_clearly():
            service.wait_ready()
    render.err.print(f"[green]ready[/] in {time.perf_counter() - t0:.1f} s: {service.data_name}, "
                     f"{len(service.catalog):,} movies, method {service.default_method}",
                     highlight=False)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
