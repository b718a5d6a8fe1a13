"""The spine: errors, text checks, device and threads, seeds, file formats. Imports nothing of the project."""
