"""The analysis layer: statistics from the record tables alone (metrics, intervals, costs,
census, bottlenecks, sensitivity). Nothing here looks inside a running model."""
