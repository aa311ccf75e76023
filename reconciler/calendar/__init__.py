"""Sends per audience per day, and the days that exceed the daily cap."""
