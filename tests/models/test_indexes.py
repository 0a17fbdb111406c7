"""Every foreign key is indexed: PostgreSQL and SQLite index the referenced key, never the
column that refers to it, and a lookup by an unindexed one reads the whole table. (The
items of a contract, asked for by each issue job, were a scan of every contract's items:
over 10,000 contracts, 1.8 billion rows read in one cycle.)"""

from tortoise import Tortoise

from remit.models.invoices import InvoiceLine


def leading_columns(model) -> set[str]:
    """The columns that lead an index of the model: its own indexes, its unique sets, and
    indexed or unique fields."""
    meta = model._meta

    def column(name: str) -> str:
        field = meta.fields_map[name]
        return field.source_field or name

    leading = {column(fields[0]) for fields in meta.unique_together}
    for index in meta.indexes:
        first = index[0] if isinstance(index, tuple) else index.fields[0]
        leading.add(column(first))
    for name, field in meta.fields_map.items():
        if field.index or field.unique or field.pk:
            leading.add(column(name))
    return leading


def test_every_foreign_key_leads_an_index():
    unindexed = sorted(
        f"{model._meta.db_table}.{model._meta.fields_map[name].source_field}"
        for model in Tortoise.apps["remit"].values()
        for name in model._meta.fk_fields
        if model._meta.fields_map[name].source_field not in leading_columns(model)
    )

    assert unindexed == []


def test_an_index_named_by_its_relation_counts_as_its_column():
    assert "invoice_id" in leading_columns(InvoiceLine)
    assert "service_line_item_id" in leading_columns(InvoiceLine)
