"""GraphQL (strawberry): one module per domain, combined in graph/schema.py. Resolvers parse
input, call one billing function and map the result."""
