"""The experiments layer: replications and their executors (process pool or Dask), sweeps,
the capacity search, the back-test and the what-if runs behind the dashboard."""
