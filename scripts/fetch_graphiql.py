"""Fetch the files of the GraphiQL page from npm into Remit's package (`make graphiql`).

The page is strawberry's; it names each file by npm package, version and path, with an
integrity hash. Each package is fetched with `npm pack` at that version and each file is
checked against its hash before it is kept. Without npm, nothing is fetched and the page
says how to get its files; the API works the same."""

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from remit.web import graphiql


def fetch(target: Path) -> None:
    wanted = graphiql.assets(graphiql.strawberry_page())
    packages = sorted({(asset.package, asset.version) for asset in wanted})
    with tempfile.TemporaryDirectory() as scratch:
        for package, version in packages:
            packed = subprocess.run(
                ["npm", "pack", f"{package}@{version}", "--pack-destination", scratch, "--silent"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
            with tarfile.open(Path(scratch) / packed) as archive:
                for asset in wanted:
                    if (asset.package, asset.version) != (package, version):
                        continue
                    member = archive.extractfile(f"package/{asset.file}")
                    if member is None:
                        raise SystemExit(f"{package}@{version} has no {asset.file}")
                    data = member.read()
                    if (
                        asset.integrity
                        and graphiql.digest(data, asset.integrity) != asset.integrity
                    ):
                        raise SystemExit(f"{asset.path} does not match its integrity hash")
                    path = target / asset.path
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
    print(f"GraphiQL: {len(wanted)} files of {len(packages)} npm packages in {target}")


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else graphiql.ASSETS
    if graphiql.installed(graphiql.strawberry_page()) and target == graphiql.ASSETS:
        return
    if shutil.which("npm") is None:
        print("GraphiQL: npm not found, its files are not fetched (the API works without them)")
        return
    fetch(target)


if __name__ == "__main__":
    main()
