"""Accord: sales and marketing alignment."""
