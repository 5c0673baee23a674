"""What the replicas share, asked of each replica directly (not through haproxy, so which one answers is known):
a sign-out on one is refused on every other from the next request (sign-ins live in PostgreSQL), and one rate
limit holds across all of them (counters in the cluster's Redis, REDIS_URL).
"""

import secrets

import httpx
import pytest

from tests.cluster.client import PASSWORD, bearer
from tests.cluster.conftest import StartCluster

pytestmark = pytest.mark.slow

AUTH_LIMIT = 6


def test_a_sign_out_on_one_replica_is_refused_on_every_other(start_test_cluster: StartCluster) -> None:
    plan = start_test_cluster()
    replicas = [plan.replica_url(number) for number in range(1, plan.replicas + 1)]
    credentials = {"email": f"signout-{secrets.token_hex(6)}@example.com", "password": PASSWORD}
    assert httpx.post(f"{plan.url}/api/auth/signup", json=credentials | {"name": "S"}).status_code == 201
    for signing_out in replicas:
        token = httpx.post(f"{signing_out}/api/auth/signin", json=credentials).json()["access_token"]
        assert [httpx.get(f"{replica}/api/tasks", headers=bearer(token)).status_code for replica in replicas] == [
            200
        ] * len(replicas)

        assert httpx.post(f"{signing_out}/api/auth/signout", headers=bearer(token)).status_code == 200

        others = [replica for replica in replicas if replica != signing_out]
        assert [httpx.get(f"{replica}/api/tasks", headers=bearer(token)).status_code for replica in others] == [
            401
        ] * len(others)


def test_one_rate_limit_holds_across_the_replicas(start_test_cluster: StartCluster) -> None:
    plan = start_test_cluster(
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_AUTH=f"{AUTH_LIMIT}/minute",
        RATE_LIMIT_SIGNIN_EMAIL="1000/minute",
    )
    replicas = [plan.replica_url(number) for number in range(1, plan.replicas + 1)]
    statuses = []
    # Wrong-password sign-ins from one client address, to each replica in turn: each replica alone would allow
    # AUTH_LIMIT of them; together they allow AUTH_LIMIT.
    for attempt in range(2 * AUTH_LIMIT):
        replica = replicas[attempt % len(replicas)]
        answer = httpx.post(
            f"{replica}/api/auth/signin",
            json={"email": f"nobody-{attempt}@example.com", "password": "wrong-password"},
        )
        statuses.append((replica, answer.status_code))
    assert [status for _, status in statuses] == [401] * AUTH_LIMIT + [429] * AUTH_LIMIT
    # Each replica both allowed and refused some: the count was one, not one per replica.
    for replica in replicas:
        assert {status for asked, status in statuses if asked == replica} == {401, 429}
