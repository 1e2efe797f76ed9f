"""Thin wrapper: build the dataset (same as `ceasefire-news build`)."""

import sys

from ceasefire_news.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
