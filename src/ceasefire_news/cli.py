"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build, validate
from .errors import DatasetError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="ceasefire-news", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the dataset from a seeds directory")
    p_build.add_argument("--seeds", type=Path, default=None, help="seeds directory (default: the project's seeds/)")
    p_build.add_argument("--out", type=Path, default=None, help="output directory (default: dist/ceasefire-news)")
    p_validate = sub.add_parser("validate", help="validate a built dataset directory")
    p_validate.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            out = build(args.seeds, args.out)
            print(f"built {out}")
        elif args.command == "validate":
            manifest = validate(args.data_dir)
            rows = ", ".join(f"{k}={v.num_rows}" for k, v in manifest.tables.items())
            print(f"valid: {args.data_dir} (version {manifest.dataset_version}; {rows})")
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
