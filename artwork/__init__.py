"""Personalized artwork and preview-clip selection per profile, learned from plays."""
