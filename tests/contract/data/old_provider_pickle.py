"""Print the `__provider` pickle that a program writes into a stack's state, as the code it imports writes it.

`provider-05a747c.b64` was made with the code of commit 05a747c, before `pulumi_huggingface` took
its present layout, from the repository's root:

    git archive 05a747c provider | tar -x -C /tmp/old-05a747c
    PYTHONPATH=/tmp/old-05a747c/provider .venv/bin/python tests/contract/data/old_provider_pickle.py \\
        > tests/contract/data/provider-05a747c.b64

It prints, on stderr, which files it imported, to show the old code was the one pickled.
"""

from __future__ import annotations

import sys

from pulumi.dynamic.dynamic import serialize_provider

import pulumi_huggingface.provider

print(f"pickled {pulumi_huggingface.provider.__file__}", file=sys.stderr)
print(serialize_provider(pulumi_huggingface.provider.InferenceEndpointProvider()))
