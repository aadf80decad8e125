#!/usr/bin/env python3
"""The load of benches/scale-out.sh, through HAProxy: writers that send one
touchpoint per request with a unique external id and retry until the
server acknowledges it (a retried write that had been stored answers
`unchanged`, so nothing is doubled), readers of journeys and analytics,
and a subscriber. Standard library only, but for `websockets` (the
subscriber). Prints one JSON object.

    scale_out_load.py writers --url URL --token T --prefix kill --seconds 20 --writers 4
    scale_out_load.py readers --url URL --jwt JWT --seconds 20
    scale_out_load.py subscribe --ws URL --jwt JWT --seconds 10
"""

import argparse
import asyncio
import json
import statistics
import threading
import time
import urllib.error
import urllib.request


def post(url, token, query, variables, timeout=10):
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {token}",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


TOUCHPOINT = (
    "mutation($input: [TouchpointInput!]!) { ingestTouchpoints(input: $input) { created unchanged } }"
)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1)


def latency(values):
    """How many, and their median and 99th percentile in ms."""
    return {"answered": len(values), "p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99)}


def run_all(threads):
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def writers(args):
    acknowledged = []
    latencies = []
    retries = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def run(worker):
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            external = f"{args.prefix}-{worker}-{n}"
            record = {
                "source": "scale",
                "externalId": external,
                "customer": {"source": "crm", "externalId": f"S-{n % 200}"},
                "department": "PRODUCT",
                "kind": "login",
                "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            started = time.monotonic()
            while True:
                try:
                    answer = post(args.url, args.token, TOUCHPOINT, {"input": [record]})
                    if "errors" not in answer:
                        break
                except (urllib.error.URLError, OSError, ValueError):
                    pass
                with lock:
                    retries[0] += 1
                time.sleep(0.05)
            with lock:
                acknowledged.append(external)
                latencies.append(time.monotonic() - started)

    run_all([threading.Thread(target=run, args=(w,)) for w in range(args.writers)])
    print(
        json.dumps(
            {
                "acknowledged": len(acknowledged),
                "distinct": len(set(acknowledged)),
                "retries": retries[0],
                "max_ms": percentile(latencies, 1.0),
            }
            | latency(latencies)
        )
    )


def readers(args):
    journey = '{ customerByIdentity(source: "crm", externalId: "S-1") { journey(first: 20) { edges { node { kind } } } } }'
    analytics = '{ kpis(window: {lastDays: 30}) { contactRate { value } } }'
    counts = {"journey": [], "analytics": []}
    failures = [0]
    first_error = []
    stop_at = time.monotonic() + args.seconds

    def run(kind, query):
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                answer = post(args.url, args.jwt, query, {})
                if "errors" in answer:
                    failures[0] += 1
                    first_error[:] = first_error or [answer["errors"][0].get("message")]
                    time.sleep(0.05)
                    continue
                counts[kind].append(time.monotonic() - started)
            except (urllib.error.URLError, OSError, ValueError) as error:
                failures[0] += 1
                first_error[:] = first_error or [str(error)]
                time.sleep(0.05)

    run_all(
        [
            threading.Thread(target=run, args=("journey", journey)),
            threading.Thread(target=run, args=("analytics", analytics)),
        ]
    )
    print(
        json.dumps(
            {kind: latency(values) for kind, values in counts.items()}
            | {"failed": failures[0], "first_failure": first_error[0] if first_error else None}
        )
    )


async def subscribe(args):
    import websockets

    received = []
    async with websockets.connect(args.ws, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {args.jwt}"}}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { frictionDetected { kind subject customerId } }"},
                }
            )
        )
        print(json.dumps({"subscribed": True}), flush=True)
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if message.get("type") == "next":
                received.append(message["payload"]["data"]["frictionDetected"])
    print(json.dumps({"received": received}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["writers", "readers", "subscribe"])
    parser.add_argument("--url")
    parser.add_argument("--ws")
    parser.add_argument("--token")
    parser.add_argument("--jwt")
    parser.add_argument("--prefix", default="w")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    if args.mode == "writers":
        writers(args)
    elif args.mode == "readers":
        readers(args)
    else:
        asyncio.run(subscribe(args))


if __name__ == "__main__":
    main()
