"""The policy knowledge base: ingest documents into clauses, index them, match questions to clauses.

This package imports nothing of the rest of the project.
"""
