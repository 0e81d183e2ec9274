"""Campaign segmentation: who gets which offer and featured title, against a holdout."""
