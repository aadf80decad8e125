#!/usr/bin/env python3
"""PostgreSQL backend CPU time per statement, the figure behind changes 9
and 10 of benches/README.md. Wall-clock timings on the 2-core development
machine move by half between runs; the CPU time the backend process spends
(from /proc/<pid>/stat, 10 ms ticks) moves much less. Run it on the machine
that runs PostgreSQL. Needs `pip install "psycopg[binary]"`.

    # Forms of a 1,000-row touchpoint INSERT, in a fresh database migrated by
    # `DATABASE_URL=postgres://postgres@127.0.0.1/jg_scratch journeygraph migrate`
    # (each run adds 200,000 rows, and a larger table costs more per row):
    benches/backend_cpu.py inserts --db jg_scratch [--batches 40]

    # Replays the statements a PostgreSQL log recorded with their parameters
    # (log_min_duration_statement = 0 during a run of the load bench), each
    # three times, and prints the median CPU time of each distinct one:
    benches/backend_cpu.py replay --db jg_bench_kept --log FILE [--match TEXT]
"""

import argparse
import os
import re
import statistics

import psycopg

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def connect(db, settings=()):
    conn = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={db}", autocommit=True)
    conn.prepare_threshold = None
    cur = conn.cursor()
    for setting in settings:
        cur.execute(f"SET {setting}")
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]

    def cpu_ms():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_MS

    return conn, cur, cpu_ms


COLUMNS = ["org_id", "customer_id", "department", "kind", "channel", "occurred_at",
           "source", "external_id", "attributes", "record_kind", "record_id"]
TYPES = ["bigint", "bigint", "text", "text", "text", "bigint", "text", "text", "text", "text", "bigint"]
KEY = "ON CONFLICT (org_id, source, external_id) DO NOTHING"
RETURNING = " RETURNING id, source, external_id"


def inserts(args):
    import json

    # What the server's request pool sets (src/db.rs): generic plans allowed.
    conn, cur, cpu_ms = connect(args.db, ("jit = off",))
    cur.execute("INSERT INTO organization (slug, name, created_at) VALUES ('cpu', 'cpu', 0) "
                "ON CONFLICT DO NOTHING")
    cur.execute("SELECT id FROM organization WHERE slug = 'cpu'")
    org = cur.fetchone()[0]
    cur.execute("SELECT COUNT(*) FROM customer WHERE org_id = %s", (org,))
    if cur.fetchone()[0] == 0:
        cur.execute("INSERT INTO customer (org_id, display_name, annual_value_cents, created_at) "
                    "SELECT %s, 'c', 0, 0 FROM generate_series(1, 10000)", (org,))
    cur.execute("SELECT MIN(id) FROM customer WHERE org_id = %s", (org,))
    first_customer = cur.fetchone()[0]
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM touchpoint")
    next_n = [cur.fetchone()[0] * 7 + 1]

    def rows():
        batch = []
        for _ in range(1000):
            n = next_n[0]
            next_n[0] += 1
            batch.append([org, first_customer + n % 10000, "PRODUCT", "login", "web",
                          1_767_225_600_000 + n * 1000, "cpu", f"E-{n}", '{"page":"/home"}',
                          None, None])
        return batch

    names = ", ".join(COLUMNS)
    values = ", ".join("(" + ", ".join(["%s"] * len(COLUMNS)) + ")" for _ in range(1000))
    recordset = ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, TYPES))
    forms = {
        "VALUES": (f"INSERT INTO touchpoint ({names}) VALUES {values}", "flat"),
        "VALUES RETURNING": (f"INSERT INTO touchpoint ({names}) VALUES {values}{RETURNING}", "flat"),
        "VALUES ON CONFLICT RETURNING":
            (f"INSERT INTO touchpoint ({names}) VALUES {values} {KEY}{RETURNING}", "flat"),
        "json_to_recordset ON CONFLICT RETURNING":
            (f"INSERT INTO touchpoint ({names}) SELECT {names} FROM json_to_recordset(%s::json) "
             f"AS r({recordset}) {KEY}{RETURNING}", "json"),
        "unnest ON CONFLICT RETURNING":
            (f"INSERT INTO touchpoint ({names}) SELECT * FROM unnest("
             + ", ".join(f"%s::{t}[]" for t in TYPES) + f") {KEY}{RETURNING}", "columns"),
    }
    spent = {name: [] for name in forms}
    for _ in range(args.batches):
        for name, (sql, shape) in forms.items():
            batch = rows()
            if shape == "flat":
                params = [v for row in batch for v in row]
            elif shape == "json":
                params = [json.dumps([dict(zip(COLUMNS, row)) for row in batch])]
            else:
                params = [list(column) for column in zip(*batch)]
            before = cpu_ms()
            with conn.transaction():
                cur.execute(sql, params, prepare=True)
                if "RETURNING" in sql:
                    cur.fetchall()
            spent[name].append(cpu_ms() - before)
    print(f"backend CPU per 1,000-row INSERT, mean of {args.batches - 3} (first 3 left out), ms")
    for name, times in spent.items():
        print(f"{name:<42} {statistics.mean(times[3:]):6.1f}")


LOGGED = re.compile(
    r"LOG:  duration: [0-9.]+ ms  execute [^:]*: (.*?)\n(?:\S.*?DETAIL:  parameters: (.*?)\n)?"
    r"(?=\d{4}-\d\d-\d\d )",
    re.S,
)
PARAMETER = re.compile(r"\$\d+ = ('(?:[^']|'')*'|NULL)")


def replay(args):
    with open(args.log) as f:
        log = f.read()
    statements = {}
    for m in LOGGED.finditer(log):
        sql, params = m.group(1), m.group(2) or ""
        if args.match and args.match not in sql:
            continue
        statements.setdefault((sql, params), None)
    # What the server's analytics pool sets (src/db.rs).
    conn, cur, cpu_ms = connect(
        args.db, ("jit = off", "work_mem = '64MB'", "plan_cache_mode = force_custom_plan")
    )
    total = 0
    results = []
    for sql, params in statements:
        values = PARAMETER.findall(params)
        cur.execute("DEALLOCATE ALL")
        cur.execute(f"PREPARE q AS {sql}")
        execute = f"EXECUTE q({', '.join(values)})" if values else "EXECUTE q"
        times = []
        rows = 0
        for _ in range(3):
            before = cpu_ms()
            cur.execute(execute)
            rows = len(cur.fetchall())
            times.append(cpu_ms() - before)
        median = statistics.median(times)
        total += median
        results.append((median, rows, sql[:110]))
    for median, rows, text in sorted(results, reverse=True):
        print(f"{median:6.0f} ms {rows:8d} rows  {text}")
    print(f"total {total:.0f} ms over {len(results)} statements")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inserts")
    p.add_argument("--db", required=True)
    p.add_argument("--batches", type=int, default=40)
    p.set_defaults(run=inserts)
    p = sub.add_parser("replay")
    p.add_argument("--db", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--match", default="")
    p.set_defaults(run=replay)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
