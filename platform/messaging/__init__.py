"""Text that staff write and Marquee fills in for a subscriber (campaign e-mails, support answers)."""
