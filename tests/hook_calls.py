"""A plugin that records the lifecycle hooks Remit calls, registered on the process's own
plugin manager for one test."""

import pytest

from remit import InvoiceView, PaymentEvent, hookimpl
from remit.plugins import manager


class Recorder:
    def __init__(self) -> None:
        self.payments: list[tuple[InvoiceView, PaymentEvent, str]] = []
        self.status_changes: list[tuple[str, str, str]] = []

    @hookimpl
    def remit_payment_received(self, invoice: InvoiceView, event: PaymentEvent, actor: str):
        self.payments.append((invoice, event, actor))

    @hookimpl
    def remit_invoice_status_changed(self, old: str, new: str, actor: str):
        self.status_changes.append((old, new, actor))


@pytest.fixture
def hook_calls():
    recorder = Recorder()
    plugin_manager = manager.installed().manager
    plugin_manager.register(recorder, name="hook-calls")
    yield recorder
    plugin_manager.unregister(recorder)
