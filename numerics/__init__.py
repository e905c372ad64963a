"""NumPy side of aesgd: lambdified theory (:mod:`numerics.formulas`), SGD engines,
schedules, per-seed streams, metrics, Hessian estimators and the benchmark.

Public re-exports (stable API):

>>> from numerics import simulate
>>> res = simulate(d=40, n=20, batch_size=20, step_size=0.5, steps=400, seeds=1,
...                schedule="full")
>>> res.runs()[0]["status"]
'converged'
"""

from .rng import seed_streams as seed_streams
from .schedules import SCHEDULES as SCHEDULES
from .schedules import Schedule as Schedule
from .schedules import batches as batches
from .sgd import ENGINES as ENGINES
from .sgd import SimulationResult as SimulationResult
from .sgd import full_step as full_step
from .sgd import initial_state as initial_state
from .sgd import reduced_step as reduced_step
from .sgd import simulate as simulate
from .sgd import trajectory as trajectory
