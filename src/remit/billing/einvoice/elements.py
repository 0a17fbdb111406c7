"""Writing XML elements by their prefixed names, for the CII and UBL writers."""

from collections.abc import Mapping

from lxml import etree


class Elements:
    """Adds elements named "prefix:Local" under the namespaces it is given."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = namespaces

    def add(self, parent, name: str, text: str | None = None, /, **attributes) -> etree._Element:
        prefix, local = name.split(":")
        element = etree.SubElement(parent, f"{{{self.namespaces[prefix]}}}{local}", attributes)
        if text is not None:
            element.text = text
        return element

    def optional(self, parent, name: str, text: str | None) -> None:
        """The element only when there is something to put in it."""
        if text:
            self.add(parent, name, text)
