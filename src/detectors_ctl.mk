# Control- and management-plane detectors (filled in by their part)
