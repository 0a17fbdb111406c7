from tortoise import fields
from tortoise.models import Model


class OutboxJob(Model):
    """A job asked for inside a transaction, written in that transaction: the job exists
    because the work committed. The process sends it to the queue right after the commit and
    deletes the row; a row left behind (the process died in between, or the queue was down)
    is sent by a worker's relay."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=100)
    job_id = fields.CharField(max_length=255, description="The queue drops a second send")
    args = fields.JSONField(default=list)
    kwargs = fields.JSONField(default=dict)
    run_at = fields.DatetimeField(null=True, description="Deferred until then (null: at once)")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "job_outbox"
