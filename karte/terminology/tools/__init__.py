"""Developer tools that (re)build the embedded tables from official files."""
