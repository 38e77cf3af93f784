#!/usr/bin/env python3
"""Write tests/fixtures/verspec/cases.tsv: versions against specifiers as
Debian's python3-packaging (pip's own reading of PEP 440) answers them,
for test_verspec to compare common/verspec.c with. Pre-releases are
allowed, as they are for a version a model already pins."""
import itertools
import sys

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

VERSIONS = """0.9 1.0 1.0.0 1.0.0.0 1.0.1 1.1 2.0 2.5.0 2.17.2 3.0 3.0.0rc1 3.0.0.dev0
1.0a1 1.0b2 1.0rc1 1.0rc2 1.0c1 1.0.dev1 1.0rc1.dev2 1.0.post1 1.0.post2 1.0.post1.dev1
1.0-1 1.0+cpu 1.0+gpu 1.0.post1+cpu 1.1rc1 2.5.0.dev0 2.5.0a1 v1.0 1.0.0+local.7""".split()
BOUNDS = "0.9 1.0 1.0.0 1.0rc1 1.0.post1 1.0.dev1 1.1 2.0 2.5.0 3.0".split()
OPS = ["==", "!=", "<=", ">=", "<", ">", "~="]
EXTRA = ["==1.*", "==1.0.*", "!=1.0.*", "==1.0+cpu", "!=1.0+cpu", ">=2.9.2,<3.0",
         "<=2.5.0,", ">=1.0,!=1.0.post1,<2", "~=1.0.0", "~=2.5", "==2.*,>=2.5.0a1"]


def main(out):
    specs = [op + b for op, b in itertools.product(OPS, BOUNDS)] + EXTRA
    rows = []
    for v, s in itertools.product(VERSIONS, specs):
        try:
            want = SpecifierSet(s).contains(Version(v), prereleases=True)
        except InvalidSpecifier:
            continue
        rows.append(f"{v}\t{s}\t{int(want)}\n")
    with open(out, "w") as f:
        f.write("# version, specifier, 1 if python3-packaging %s admits it "
                "(tests/lib/verspec_cases.py)\n" % __import__("packaging").__version__)
        f.writelines(rows)


if __name__ == "__main__":
    main(sys.argv[1])
