"""course_lib: the NumPy library behind Momentum, Hands-On.

Modules: ``optim`` (optimizers), ``schedules``, ``problems``, ``run``,
``theory`` (closed forms for quadratics), ``plots``, ``widgets`` (live
explorers) and ``checks`` (the graded exercises' feedback).
"""

__version__ = "0.1.0"
