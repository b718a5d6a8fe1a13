"""Chapter 9's sections."""
