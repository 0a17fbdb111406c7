"""The domain. Every rule of Remit lives here; nothing here knows of GraphQL, HTTP or arq."""
