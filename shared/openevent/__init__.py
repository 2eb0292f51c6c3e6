"""openevent: react to Alibaba Cloud DataWorks OpenEvent messages on Function Compute.

The package is split by concept; import the submodule you need (``openevent.events``,
``openevent.runtime``, …). Nothing heavy is imported here so that a function pays only
for what it uses at cold start.
"""

__version__ = "0.1.0"
