"""The local directory: SQLAlchemy models, the database and its migrations, and queries."""
