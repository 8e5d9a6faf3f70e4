"""The database: schema, numbered migrations, queries by intent, the alert outbox.

Other packages reach the database through `monitor.store.database.Store`;
read-only reports also query its engine with the tables of
`monitor.store.schema`. SQLite by default; any SQLAlchemy URL works.
"""
