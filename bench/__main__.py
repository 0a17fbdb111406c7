"""Benchmarks, each reported as ratios against a baseline measured in the same process.

    python -m bench [api|cycle|scale|limits|http|all] [options]

api    API request overhead against GET /healthz (bench/api.py).
cycle  The daily invoicing cycle: invoices per second with and without delivery, and the
       PDF time per invoice, against reading the contracts back (bench/cycle.py). Needs an
       empty database, and Redis unless --embedded (its own queue there; nothing flushed).
scale  The cycle over 10,000 contracts (--scale-contracts) in worker processes: the peak
       memory across all its processes against 400 MB, and the invoices/s of two worker
       processes over one's (bench/scale.py). Needs Redis; two processes on PostgreSQL only.
       Its days come before the cycle bench's, so it runs after it on the same database.
limits How soon the costliest queries are refused, against a tenant's plainest query, and
       that query's latency while they are sent (bench/limits.py). Leaves data behind.
http   GraphQL over real HTTP: `remit serve` on loopback and a load generator in another
       process; requests per second of `{ tenant }` and of `invoices(first: 100)` with
       lines and events, against GET /healthz on the same server (bench/http.py). Leaves
       data behind.
all    All five, in that order (the default).

Without --database-url each runs on a SQLite file in a temporary folder.
"""

import argparse
import asyncio

from bench import api, cycle, http, limits, scale


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "which",
        nargs="?",
        choices=("api", "cycle", "scale", "limits", "http", "all"),
        default="all",
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=2000, help="api: requests per figure")
    parser.add_argument("--sends", type=int, default=100, help="limits: requests per figure")
    parser.add_argument(
        "--invoices", type=int, default=2000, help="limits: the attacking tenant's invoices"
    )
    parser.add_argument("--contracts", type=int, default=1000, help="cycle: contracts per cycle")
    parser.add_argument(
        "--scale-contracts", type=int, default=10_000, help="scale: contracts per cycle"
    )
    parser.add_argument(
        "--scale-processes",
        type=int,
        choices=(1, 2),
        default=2,
        help="scale: worker processes of the last run (1: the memory figure alone)",
    )
    parser.add_argument(
        "--tenants", type=int, default=5, help="cycle, scale: tenants they belong to"
    )
    parser.add_argument(
        "--redis-url",
        default=cycle.DEFAULT_REDIS_URL,
        help="cycle, scale: Redis for the job queue, not flushed (default %(default)s)",
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="cycle: the in-process fakeredis queue instead (scale is then left out)",
    )
    parser.add_argument(
        "--max-jobs", type=int, default=10, help="cycle, scale: jobs a worker runs at a time"
    )
    parser.add_argument(
        "--poll-delay",
        type=float,
        default=0.05,
        help="cycle, scale: seconds between a worker's looks at the queue (as `remit cycle run`)",
    )
    parser.add_argument("--pdf-samples", type=int, default=50, help="cycle: PDFs timed")
    parser.add_argument("--profile", default=None, help="cycle: write a cProfile of the cycle")
    parser.add_argument(
        "--seconds", type=float, default=3, help="http: seconds per figure in each round"
    )
    parser.add_argument("--rounds", type=int, default=5, help="http: rounds of the figures")
    parser.add_argument(
        "--connections", type=int, default=8, help="http: the load generator's connections"
    )
    return parser.parse_args()


async def main(options: argparse.Namespace) -> None:
    if options.which in ("api", "all"):
        await api.main(options.requests, options.database_url)
    if options.which in ("cycle", "all"):
        await cycle.main(
            contract_count=options.contracts,
            tenant_count=options.tenants,
            database_url=options.database_url,
            redis_url=None if options.embedded else options.redis_url,
            max_jobs=options.max_jobs,
            poll_delay=options.poll_delay,
            pdf_samples=options.pdf_samples,
            profile_path=options.profile,
        )
    if options.which in ("scale", "all"):
        if options.embedded:
            print("scale: left out with --embedded (its worker processes share a Redis queue)")
        else:
            await scale.main(
                contract_count=options.scale_contracts,
                tenant_count=options.tenants,
                database_url=options.database_url,
                redis_url=options.redis_url,
                worker=cycle.WorkerOptions(options.max_jobs, options.poll_delay),
                processes=options.scale_processes,
            )
    if options.which in ("limits", "all"):
        await limits.main(options.sends, options.invoices, options.database_url)
    if options.which in ("http", "all"):
        await http.main(options.seconds, options.rounds, options.connections, options.database_url)


if __name__ == "__main__":
    asyncio.run(main(arguments()))
