import sys

from steadyflow.cli import main

sys.exit(main())
