"""`python -m ceasefire_news`: the same command as `ceasefire-news`."""

import sys

from .cli import main

sys.exit(main())
