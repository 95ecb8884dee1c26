"""The output layer: result folders (Parquet written atomically, the manifest) and the tables
printed on the console."""
