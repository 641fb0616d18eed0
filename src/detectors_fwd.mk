# Forwarding-plane pattern detectors (filled in by their part)
