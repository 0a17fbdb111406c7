from tortoise import fields

from remit.models.base import Entity


class InvoicingRun(Entity):
    """One daily invoicing cycle of one tenant: what was due, issued, held and failed."""

    tenant = fields.ForeignKeyField(
        "remit.Tenant", related_name="invoicing_runs", on_delete=fields.CASCADE
    )
    run_date = fields.DateField()
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    contracts_due = fields.IntField(default=0)
    invoices_issued = fields.IntField(default=0)
    invoices_on_hold = fields.IntField(default=0)
    failures = fields.JSONField(default=list, description="[{contract_id, message}]")

    class Meta:
        table = "invoicing_run"
        unique_together = (("tenant", "run_date"),)
