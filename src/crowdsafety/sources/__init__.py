"""Sources: one adapter per format or vendor, turning raw payloads into observation rows."""
