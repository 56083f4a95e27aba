"""The automation types a client can switch off one by one, registered in one place.

Adding a type is one entry in AUTOMATIONS: switches are stored only once they leave their
default (`on`), so a new type needs no migration.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Automation:
    """One automation type: its stored name, the words staff see, and what clients text."""

    name: str
    label: str
    keyphrase: str
    aliases: tuple[str, ...] = ()
    # What the scoped confirmation calls it: "<Dealership>: price drop alerts are off."
    alerts_name: str = ""

    @property
    def phrases(self) -> tuple[str, ...]:
        """Return the keyphrase and its aliases, as clients may type them."""
        return (self.keyphrase, *self.aliases)


AUTOMATIONS: dict[str, Automation] = {
    a.name: a
    for a in (
        Automation(
            name="price_reduction",
            label="Price Reduction Notifications",
            keyphrase="PRICE DROP",
            aliases=("PRICE DROPS", "PRICEDROP", "PRICEDROPS", "PRICE REDUCTION",
                     "PRICE REDUCTIONS"),
            alerts_name="price drop alerts",
        ),
        Automation(
            name="new_vehicle_arrival",
            label="New Vehicle Arrival Notifications",
            keyphrase="NEW ARRIVALS",
            aliases=("NEW ARRIVAL", "NEW VEHICLES"),
            alerts_name="new arrival alerts",
        ),
    )
}


def get_automation(name: str) -> Automation:
    """Return the registered automation called `name`, or raise UnknownAutomation."""
    from store.errors import UnknownAutomation

    try:
        return AUTOMATIONS[name]
    except KeyError:
        known = ", ".join(sorted(AUTOMATIONS))
        raise UnknownAutomation(f"unknown automation {name!r}; known: {known}") from None
