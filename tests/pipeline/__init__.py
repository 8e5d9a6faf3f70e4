"""Tests of monitor.pipeline parts that stand alone."""
