"""The scan graph's node functions and the state they share. The wiring lives in `vecaudit.graph`."""
