"""County use-cases (framework-free): enrolment, ingest, pull, points, administration."""
