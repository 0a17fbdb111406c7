"""Starlette: the GraphQL mount with its authentication, provider webhooks, hosted invoice
pages and health checks. Handlers parse, call one billing function and map the result."""
