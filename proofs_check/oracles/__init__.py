"""Independent oracles: symbolic identity, high precision (mpmath), interval, simulation,
exact enumeration.  Each check returns a :class:`proofs_check.result.CheckResult`."""
