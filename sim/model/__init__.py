"""The model layer: the city of one replication, its citizens and their path, one module per
stage (shelter, assessment, allocation, move-in, support, tenancy, residential care), and the
named policies a scenario chooses between."""
