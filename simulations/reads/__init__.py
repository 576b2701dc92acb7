"""Reads over simulations (they never write): visibility, progress, the database digest, the calibration
report and the export."""
