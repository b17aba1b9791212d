"""What the build processes' forkserver imports once, so that every build forked from it
starts warm. Import it for its effect, in that server only (workers.BuildProcesses names it
in `set_forkserver_preload`).

Every process forked from the server inherits two things from here: SIGINT and SIGTERM are
ignored (a Ctrl-C reaches the whole process group, a service manager's SIGTERM the whole
control group; the parent decides when its builds stop), and WeasyPrint, matplotlib and the
build are already imported.
"""

import signal


def prepare() -> None:
    """Ignore the stop signals, then import what a build needs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    import matplotlib.figure  # noqa: F401
    import weasyprint  # noqa: F401

    from ..output import build  # noqa: F401
    from ..render import charts, html  # noqa: F401

    weasyprint.HTML(string="<p>warm</p>").write_pdf()  # fontconfig and Pango set up once


prepare()
