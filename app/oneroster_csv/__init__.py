"""OneRoster CSV packages (the 1.1 and 1.2 CSV bindings) as a roster source."""
