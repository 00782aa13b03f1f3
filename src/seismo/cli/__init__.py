"""The ``seismo`` command: thin over :mod:`seismo.api`.

Exit status (CONTRACT.md): 0 ran and nothing reached ``--fail-on``; 1 a finding reached it;
2 bad usage or bad input, reported as one ``error:`` line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from seismo.exceptions import SeismoError

__all__ = ["main"]


def _error(message: str) -> int:
    from seismo.report.terminal import printable

    text = printable(" ".join(str(message).split()))  # one line, no escape sequences, whatever it held
    click.echo(f"error: {text}", err=True)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit status."""
    from seismo.cli.app import cli

    debug = os.environ.get("SEISMO_DEBUG", "") not in ("", "0")
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="seismo", standalone_mode=False)
        code = int(result) if isinstance(result, int) else 0
    except click.UsageError as exc:
        if type(exc).__name__.startswith("NoArgsIsHelp") and exc.ctx is not None:
            click.echo(exc.ctx.get_help(), err=True)
            return _exit(2, argv)
        ctx = exc.ctx
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        code = _error(f"{exc.format_message()}{where}")
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        code = _error("aborted")
    except SeismoError as exc:
        if debug:
            raise
        code = _error(str(exc))
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except OSError as exc:
        if debug:
            raise
        target = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        code = _error(f"cannot write or read{target}: {exc.strerror or exc}")
    except click.ClickException as exc:
        code = _error(exc.format_message())
    except Exception as exc:  # a bug, not bad input: still one line, with a way to see more
        if debug:
            raise
        click.echo(
            f"error: internal error {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
            "(set SEISMO_DEBUG=1 for the traceback, and please report it)",
            err=True,
        )
        code = 3
    return _exit(code, argv)


def _exit(code: int, argv: Sequence[str] | None) -> int:
    if argv is None:  # called as the console script
        sys.exit(code)
    return code
