"""The operator's Stripe account as Remit's PlatformAccount: tenants' cards for the processing
fee are saved (SetupIntents) and charged (PaymentIntents) there, and its webhook at
`POST /webhooks/stripe/platform` reports the outcomes."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import stripe
from pydantic import SecretStr

from remit.plugins.api import ChargeResult, ChargeStatus, PaymentEvent, ProviderUnavailable
from remit.plugins.platform import CardSetup, FeeCharge, PlatformCustomer
from remit.plugins.stripe import (
    _CHARGE_STATUSES,
    StripeProvider,
    StripeSettings,
    connection,
    translated_errors,
)


class StripePlatformAccount:
    def __init__(self, secret_key: str, webhook_secret: str | None = None) -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[stripe.StripeClient]:
        async with connection(self._secret_key) as client:
            with translated_errors(self._secret_key):
                yield client

    async def set_up_card(self, customer: PlatformCustomer) -> CardSetup:
        metadata = {"remit_tenant_id": str(customer.tenant_id)}
        customer_ref = customer.customer_ref
        async with self._client() as client:
            if customer_ref is None:
                created = await client.v1.customers.create_async(
                    params={
                        "name": customer.name,
                        "email": customer.email or "",
                        "metadata": metadata,
                    },
                    options={"idempotency_key": f"tenant:{customer.tenant_id}:platform-customer"},
                )
                customer_ref = created.id
            intent = await client.v1.setup_intents.create_async(
                params={
                    "customer": customer_ref,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                    "metadata": metadata,
                }
            )
        return CardSetup(
            customer_ref=customer_ref, reference=intent.id, client_secret=intent.client_secret
        )

    async def describe_card(self, payment_method_ref: str) -> str | None:
        async with self._client() as client:
            method = await client.v1.payment_methods.retrieve_async(payment_method_ref)
        card = method.card
        return f"{card.brand.title()} •••• {card.last4}" if card else None

    async def charge_fee(self, charge: FeeCharge) -> ChargeResult:
        async with self._client() as client:
            intent = await client.v1.payment_intents.create_async(
                params={
                    "amount": charge.amount,
                    "currency": charge.currency.lower(),
                    "customer": charge.account.customer_ref,
                    "payment_method": charge.account.payment_method_ref,
                    "off_session": True,
                    "confirm": True,
                    "description": charge.description,
                    # The webhook finds the fee by these (see _event in plugins/stripe.py).
                    "metadata": {
                        "remit_platform_fee_id": str(charge.fee_id),
                        "remit_tenant_id": str(charge.tenant_id),
                    },
                },
                options={
                    "idempotency_key": f"platform-fee:{charge.fee_id}:attempt:{charge.attempt}"
                },
            )
        # Whatever Stripe says now, the webhook has the final word on the fee.
        status = _CHARGE_STATUSES.get(intent.status, ChargeStatus.PENDING)
        return ChargeResult(status=status, reference=intent.id)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[PaymentEvent]:
        if not self._webhook_secret:
            raise ProviderUnavailable("The platform Stripe webhook secret is not configured.")
        # The operator's endpoint is signed like a tenant's and carries the same events.
        verifier = StripeSettings.model_construct(webhook_secret=SecretStr(self._webhook_secret))
        return StripeProvider().parse_webhook(headers, body, verifier)
