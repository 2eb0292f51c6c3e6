"""``python -m openevent`` is the same as the ``openevent`` command."""

from openevent.cli import exit_main

exit_main()
