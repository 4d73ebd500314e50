"""One module per CLI command group; each defines ``register(subparsers)``.

``floorapp.cli`` discovers the modules here, so adding a command touches no other file.
A command's handler is ``func(ctx: AppContext, args: argparse.Namespace) -> int``.
"""
