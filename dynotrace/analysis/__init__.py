"""Events to an explained report (``build``): the fold (``fold``), the guard tree, recompile
reasons and graph breaks parsed in torch's words (``tree``, ``reasons``, ``graph_breaks``),
causes and what to change (``causes``, ``explain``), shapes in source terms (``shapes``),
what a guard or a break *is* across runs (``identity``), findings ranked by cost
(``findings``), and what Inductor logged per compile (``facts``)."""
