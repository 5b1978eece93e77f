"""``python -m crimestat`` and the ``crimestat`` command: signal handlers first, then the command line."""


def run() -> None:
    """The program's entry point: Ctrl-C and SIGTERM are handled from the first instruction (exit 130 or 143,
    one line, no traceback), before click, pandas or any command module is imported."""
    import sys

    from . import signals

    signals.install()
    code: object = 0
    try:
        signals.ready("start")
        from .cli import main

        signals.ready("imported")
        try:
            main(prog_name="crimestat")
        except SystemExit as exc:
            code = exc.code
        signals.ready("end")
        signals.finish()
    except (signals.Stopped, KeyboardInterrupt):
        signals.finish()
        signals.stop()
    if signals.signalled():  # a signal after the work was done, while it was being wound up
        signals.stop()
    sys.exit(code)


if __name__ == "__main__":
    run()
