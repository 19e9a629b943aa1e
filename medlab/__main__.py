import sys

from .workbook import main

sys.exit(main())
