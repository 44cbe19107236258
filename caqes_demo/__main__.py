"""``python -m caqes_demo LANDING_DIR [--size small|region|france] [--seed N] [--phev-lines N]``

The same generator as ``caqes generate`` (which also builds the folder aside and refuses a
folder that holds files); this entry point writes in place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from caqes_demo.generator import SIZES, generate_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m caqes_demo",
        description="Write a demo landing folder (every CAQES source) that follows the data contract.",
    )
    parser.add_argument("landing", type=Path, help="landing folder to write (created if missing)")
    parser.add_argument("--size", choices=SIZES, default="region",
                        help="region: Nouvelle-Aquitaine sized; small: a dozen EJs for fast tests; "
                             "france: 18 regions")
    parser.add_argument("--seed", type=int, default=2022, help="same seed, byte-identical files")
    parser.add_argument("--phev-lines", type=int, default=None,
                        help="about N line-level PHEV rows (2021-2024) instead of the size's default")
    args = parser.parse_args(argv)
    result = generate_demo(args.landing, size=args.size, seed=args.seed, phev_lines=args.phev_lines)
    print(f"{result['landing']}: {result['entites_juridiques']} EJ, {result['etablissements']} ET "
          f"({args.size}, seed {args.seed}), {len(result['files'])} files")
    for source, n in result["counts"].items():
        print(f"  {source:<13} {n:>7} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
