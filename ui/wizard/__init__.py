"""The setup wizard: from Infinite Campus's four connection values to a first sync."""
