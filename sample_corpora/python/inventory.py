"""A tiny warehouse inventory: stock levels, reservations and reorder hints.

The module is deliberately self-contained so it can be read top to bottom. Prices are kept
in cents (integers) to avoid floating-point surprises; quantities are whole units.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from enum import Enum


class Category(Enum):
    HARDWARE = "hardware"
    GARDEN = "garden"
    KITCHEN = "kitchen"
    STATIONERY = "stationery"


class OutOfStockError(RuntimeError):
    """Raised when a reservation asks for more units than are available."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"{sku}: requested {requested}, only {available} available")
        self.sku = sku
        self.requested = requested
        self.available = available


@dataclass
class Item:
    sku: str
    name: str
    category: Category
    unit_price_cents: int
    on_hand: int = 0
    reserved: int = 0
    reorder_threshold: int = 10
    tags: set[str] = field(default_factory=set)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def stock_value_cents(self) -> int:
        return self.on_hand * self.unit_price_cents

    def needs_reorder(self) -> bool:
        return self.available <= self.reorder_threshold


@dataclass(frozen=True)
class Reservation:
    order_id: str
    sku: str
    quantity: int
    expires_on: date


class Inventory:
    """In-memory stock book keyed by SKU."""

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self._items: dict[str, Item] = {}
        self._reservations: dict[str, list[Reservation]] = defaultdict(list)
        for item in items:
            self.add(item)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def __iter__(self) -> Iterator[Item]:
        return iter(sorted(self._items.values(), key=lambda it: it.sku))

    def add(self, item: Item) -> None:
        if item.sku in self._items:
            raise KeyError(f"duplicate SKU {item.sku!r}")
        self._items[item.sku] = item

    def receive(self, sku: str, quantity: int) -> int:
        """Book a delivery; returns the new on-hand count."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        item = self._items[sku]
        item.on_hand += quantity
        return item.on_hand

    def reserve(self, order_id: str, sku: str, quantity: int, *, days: int = 3) -> Reservation:
        item = self._items[sku]
        if quantity > item.available:
            raise OutOfStockError(sku, quantity, item.available)
        item.reserved += quantity
        reservation = Reservation(order_id, sku, quantity, date.today() + timedelta(days=days))
        self._reservations[order_id].append(reservation)
        return reservation

    def release_expired(self, today: date | None = None) -> list[Reservation]:
        """Drop reservations past their expiry date and give the units back."""
        today = today or date.today()
        released: list[Reservation] = []
        for order_id, reservations in list(self._reservations.items()):
            keep = []
            for res in reservations:
                if res.expires_on < today:
                    self._items[res.sku].reserved -= res.quantity
                    released.append(res)
                else:
                    keep.append(res)
            if keep:
                self._reservations[order_id] = keep
            else:
                del self._reservations[order_id]
        return released

    def reorder_report(self) -> list[tuple[str, int]]:
        """(sku, suggested quantity) for every item at or below its threshold."""
        report = []
        for item in self:
            if item.needs_reorder():
                suggested = max(item.reorder_threshold * 3 - item.available, 1)
                report.append((item.sku, suggested))
        return report

    def value_by_category(self) -> dict[Category, int]:
        totals: dict[Category, int] = defaultdict(int)
        for item in self._items.values():
            totals[item.category] += item.stock_value_cents
        return dict(totals)

    def to_json(self) -> str:
        def encode(item: Item) -> dict[str, object]:
            data = asdict(item)
            data["category"] = item.category.value
            data["tags"] = sorted(item.tags)
            return data

        return json.dumps([encode(i) for i in self], ensure_ascii=False, indent=2)


def format_cents(cents: int, currency: str = "€") -> str:
    """1234567 -> '12 345,67 €' (the French convention, with a narrow space)."""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    sign = "-" if cents < 0 else ""
    return f"{sign}{grouped},{rest:02d} {currency}"


if __name__ == "__main__":
    stock = Inventory(
        [
            Item("HW-0001", "Claw hammer, 450 g", Category.HARDWARE, 1899, on_hand=42),
            Item("GD-0107", "Gießkanne (10 l)", Category.GARDEN, 1250, on_hand=8, tags={"summer"}),
            Item("KT-2203", "Crêpe pan 28 cm", Category.KITCHEN, 3490, on_hand=15),
            Item("ST-0042", "Notebook 笔记本 A5", Category.STATIONERY, 399, on_hand=250),
        ]
    )
    stock.reserve("order-981", "KT-2203", 6)
    for sku, qty in stock.reorder_report():
        print(f"reorder {sku}: {qty} units")
    for category, cents in sorted(stock.value_by_category().items(), key=lambda kv: -kv[1]):
        print(f"{category.value:<12} {format_cents(cents):>14}")
    print("done ✅")
