"""Hybrid LightFM recommendations: training, evaluation, batch scoring and request-time ranking."""
