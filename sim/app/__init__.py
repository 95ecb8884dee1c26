"""The app layer: the live what-if dashboard (Dash), bound to 127.0.0.1."""
