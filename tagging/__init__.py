"""Scene-image tagging: shots, keyframes and tags from a title's video and stills."""
