"""Two coordinators at the same moment, on two connections to PostgreSQL: a pool is never
over-allocated and an allocation never paid past its amount."""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from projects import allocations
from projects.models import Allocation, Disbursement, FundPool
from tests.conftest import ScopeWorld, build_scope_world
from tests.test_projects_funds import make_pool, make_project, png

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one writer at a time; the race needs two connections at once",
    ),
]


def reviewed(world: ScopeWorld, pool: FundPool, amount: str, title: str) -> Allocation:
    project = make_project(world.home.work_group, pooled=amount, title=title)
    allocation = allocations.apply_for(project=project, pool=pool, amount=amount, by=None)
    return allocations.review(allocation=allocation, by=world.users["township"])


def race(first: Callable[[], object], second: Callable[[], object]) -> list[str]:
    """Run ``first`` in a transaction that holds its locks until ``second``, on another
    connection, has started and is waiting for them; return what each ended with."""
    outcomes: list[str] = ["", ""]
    locked, go = threading.Event(), threading.Event()

    def run(index: int, step: Callable[[], object], hold: bool) -> None:
        try:
            with transaction.atomic():
                step()
                if hold:
                    locked.set()
                    go.wait(5)
                    # Give the second connection time to reach the lock and block on it.
                    threading.Event().wait(0.5)
            outcomes[index] = "done"
        except ValidationError as error:
            outcomes[index] = error.messages[0]
        finally:
            locked.set()
            connections.close_all()

    holder = threading.Thread(target=run, args=(0, first, True))
    holder.start()
    assert locked.wait(10), "the first step took its locks"
    waiter = threading.Thread(target=run, args=(1, second, False))
    waiter.start()
    go.set()
    holder.join(10)
    waiter.join(10)
    return outcomes


def test_two_approvals_at_once_cannot_both_spend_the_last_of_a_pool() -> None:
    world = build_scope_world()
    city = world.users["city"]
    pool = make_pool("10000.00")
    one = reviewed(world, pool, "8000.00", "农贸市场")
    two = reviewed(world, pool, "8000.00", "电商服务站")
    outcomes = race(
        lambda: allocations.approve(allocation=one, by=city),
        lambda: allocations.approve(allocation=two, by=city),
    )
    assert outcomes == [
        "done",
        "该资金池剩余可分配资金为2,000.00元，请退回申报或改由其他资金池批复。",
    ]
    pool.refresh_from_db()
    assert pool.allocated == Decimal("8000.00")
    statuses = dict(Allocation.objects.values_list("pk", "status"))
    assert statuses == {one.pk: "approved", two.pk: "reviewed"}


def test_two_payments_at_once_cannot_pay_an_allocation_past_its_amount() -> None:
    world = build_scope_world()
    city = world.users["city"]
    pool = make_pool("10000.00")
    allocation = reviewed(world, pool, "6000.00", "道路硬化")
    allocation = allocations.approve(allocation=allocation, by=city)

    def pay() -> object:
        return allocations.disburse(allocation=allocation, amount="4000", voucher=png(), by=city)

    outcomes = race(pay, pay)
    assert outcomes == ["done", "该笔资金还可拨付2,000.00元。"]
    allocation.refresh_from_db()
    assert allocation.paid == Decimal("4000.00")
    assert list(Disbursement.objects.values_list("amount", flat=True)) == [Decimal("4000.00")]
