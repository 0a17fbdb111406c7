"""CAMT.053 and CAMT.054 files as banks write them, made for the tests, in any version from
.001.02 to .001.08: where the versions differ (a party's name under `Pty` from .08, an
entry's status as a code from .07, a transaction's own amount under `Amt` from .03), each
file follows its own version's schema."""

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

ACCOUNT = "DE89370400440532013000"


@dataclass(frozen=True)
class Credit:
    amount: str
    debtor_name: str | None = None
    debtor_iban: str | None = None
    reference: str | None = None
    text: str | None = None
    bank_reference: str | None = None
    end_to_end_id: str = "NOTPROVIDED"
    currency: str = "EUR"
    value_date: str = "2027-03-09"
    debit: bool = False
    reversal: bool = False
    family: str = "RCDT"
    sub_family: str = "ESCT"
    status: str = "BOOK"
    batch: list["Credit"] = field(default_factory=list)


def _version(kind: str) -> int:
    return int(kind.rsplit(".", 1)[1])


def _details(credit: Credit, version: int) -> str:
    name = escape(credit.debtor_name or "")
    party = f"<Pty><Nm>{name}</Nm></Pty>" if version >= 8 else f"<Nm>{name}</Nm>"
    amount = f'<Amt Ccy="{credit.currency}">{credit.amount}</Amt>'
    own = amount if version >= 3 else f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    parties = ""
    if credit.debtor_name or credit.debtor_iban:
        account = (
            f"<DbtrAcct><Id><IBAN>{credit.debtor_iban}</IBAN></Id></DbtrAcct>"
            if credit.debtor_iban
            else ""
        )
        parties = f"<RltdPties><Dbtr>{party}</Dbtr>{account}</RltdPties>"
    remittance = ""
    if credit.text or credit.reference:
        text = f"<Ustrd>{escape(credit.text)}</Ustrd>" if credit.text else ""
        structured = (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{credit.reference}</Ref></CdtrRefInf></Strd>"
            if credit.reference
            else ""
        )
        remittance = f"<RmtInf>{text}{structured}</RmtInf>"
    returned = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>" if credit.family == "RRTN" else ""
    return (
        f"<TxDtls><Refs><EndToEndId>{credit.end_to_end_id}</EndToEndId></Refs>{own}"
        f"{parties}{remittance}{returned}</TxDtls>"
    )


def _entry(credit: Credit, version: int) -> str:
    status = (
        f"<Sts><Cd>{credit.status}</Cd></Sts>" if version >= 7 else f"<Sts>{credit.status}</Sts>"
    )
    reference = (
        f"<AcctSvcrRef>{credit.bank_reference}</AcctSvcrRef>" if credit.bank_reference else ""
    )
    details = "".join(_details(each, version) for each in credit.batch or [credit])
    return (
        f'<Ntry><Amt Ccy="{credit.currency}">{credit.amount}</Amt>'
        f"<CdtDbtInd>{'DBIT' if credit.debit else 'CRDT'}</CdtDbtInd>"
        f"{'<RvslInd>true</RvslInd>' if credit.reversal else ''}{status}"
        f"<BookgDt><Dt>{credit.value_date}</Dt></BookgDt><ValDt><Dt>{credit.value_date}</Dt></ValDt>"
        f"{reference}<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{credit.family}</Cd>"
        f"<SubFmlyCd>{credit.sub_family}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )


def statement(credits: list[Credit], kind: str = "camt.053.001.08") -> bytes:
    """A statement (camt.053) or a notification (camt.054) of the tenant's account."""
    version = _version(kind)
    holder, own = (
        ("BkToCstmrStmt", "Stmt")
        if kind.startswith("camt.053")
        else ("BkToCstmrDbtCdtNtfctn", "Ntfctn")
    )
    entries = "".join(_entry(credit, version) for credit in credits)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{kind}">'
        f"<{holder}><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2027-03-09T18:00:00</CreDtTm></GrpHdr>"
        f"<{own}><Id>STMT-1</Id><CreDtTm>2027-03-09T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{entries}</{own}></{holder}></Document>"
    ).encode()
