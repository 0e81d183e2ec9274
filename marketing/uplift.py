"""Offer choice by uplift models (issue 15): which offer raises each subscriber's response most, or none."""

from __future__ import annotations


def choose_for_campaign(campaign, account_ids, offers, rng):
    """The active offer model's (offer, propensity, policy) per account, or None when no model is trained."""
    return None
