import sys

from newsspider.cli import main

sys.exit(main())
