"""Chapter 10's sections."""
