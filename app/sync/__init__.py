"""The sync engine: plans a sync by the product's rules and applies it in one transaction."""
