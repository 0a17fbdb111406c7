"""Files sent to the API (a bank statement, a logo)."""

from strawberry.file_uploads import Upload


async def contents(file: Upload) -> bytes | None:
    """The bytes of an uploaded file; None when the client wrote the variable in the query
    or the JSON variables rather than sending a file part of a multipart request."""
    return await file.read() if hasattr(file, "read") else None
