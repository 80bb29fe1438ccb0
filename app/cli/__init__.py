"""The ``rostersync`` command: every wizard step as a scriptable command."""
