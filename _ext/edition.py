"""Which edition a reader is looking at: the version and build date on every page.

The footer of every page says ``derivlib <version>, built <date> (UTC) from commit <sha>``,
so that a lecturer who prints or cites a page, or a student reporting an error, can say which
edition it was. The version is derivlib's (the library the pages run); the commit is the
repository's ``HEAD`` when the site was built (``unknown`` outside a git checkout).
"""

from __future__ import annotations

import datetime
import html
import subprocess


def _commit(srcdir: str) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=srcdir,
                             capture_output=True, text=True, timeout=10, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def edition(srcdir: str) -> str:
    import derivlib

    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    return (f"derivlib {derivlib.__version__}, built {date} (UTC) from commit "
            f"{_commit(srcdir)}")


def _set_footer(app, config) -> None:
    text = html.escape(edition(app.srcdir))
    options = dict(config.html_theme_options or {})
    extra = options.get("extra_footer", "")
    options["extra_footer"] = f'{extra}<p class="derivlib-edition">{text}</p>'
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _set_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
